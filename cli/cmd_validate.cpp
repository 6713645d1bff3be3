// `skinheal validate [-o DIR] [--case NAME ...]`: run the biology validation cases
// (models/validation.hpp) and report each measured quantity against its literature window;
// with -o, write DIR/validation.md and DIR/validation.json.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "models/validation.hpp"

namespace skinheal::cli {
namespace {

struct ValidateOptions {
  std::string out_dir;
  std::vector<std::string> cases;
  int threads = 0;
  bool quiet = false;  ///< only failed checks and the total
};

struct CaseResult {
  const models::ValidationCase* vcase;
  std::vector<models::ValidationCheck> checks;
  double wall_s;
};

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "∞" : "−∞";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", ch);
      out += buffer;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string markdown(const std::vector<CaseResult>& results, int passed, int total) {
  std::ostringstream md;
  md << "# skinheal validation\n\n"
     << passed << " of " << total << " checks inside their literature windows (" << SKINHEAL_VERSION
     << ", " << SKINHEAL_GIT_COMMIT << ").\n";
  for (const CaseResult& r : results) {
    md << "\n## " << r.vcase->name << "\n\n"
       << r.vcase->description << " (" << number(r.wall_s) << " s wall).\n\n"
       << "| check | quantity | measured | window | units | source | |\n"
       << "|---|---|---|---|---|---|---|\n";
    for (const auto& c : r.checks)
      md << "| " << c.id << " | " << c.quantity << " | " << number(c.measured) << " | ["
         << number(c.lo) << ", " << number(c.hi) << "] | " << c.units << " | " << c.source << " | "
         << (c.passed() ? "pass" : "**FAIL**") << " |\n";
  }
  return md.str();
}

std::string json(const std::vector<CaseResult>& results, int passed, int total) {
  std::ostringstream js;
  js << "{\n  \"version\": " << json_string(SKINHEAL_VERSION)
     << ",\n  \"git_commit\": " << json_string(SKINHEAL_GIT_COMMIT) << ",\n  \"passed\": " << passed
     << ",\n  \"total\": " << total << ",\n  \"cases\": [";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const CaseResult& r = results[i];
    js << (i ? "," : "") << "\n    {\"name\": " << json_string(r.vcase->name)
       << ", \"description\": " << json_string(r.vcase->description)
       << ", \"wall_s\": " << json_number(r.wall_s) << ", \"checks\": [";
    for (std::size_t j = 0; j < r.checks.size(); ++j) {
      const auto& c = r.checks[j];
      js << (j ? "," : "") << "\n      {\"id\": " << json_string(c.id)
         << ", \"quantity\": " << json_string(c.quantity) << ", \"units\": " << json_string(c.units)
         << ", \"measured\": " << json_number(c.measured) << ", \"lo\": " << json_number(c.lo)
         << ", \"hi\": " << json_number(c.hi) << ", \"source\": " << json_string(c.source)
         << ", \"passed\": " << (c.passed() ? "true" : "false") << "}";
    }
    js << "\n    ]}";
  }
  js << "\n  ]\n}\n";
  return js.str();
}

// Write `text` to `path` through `path.partial` and a rename: never a half-written report.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path partial = path.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    out << text;
    if (!out.flush()) throw InputError(partial.string() + ": cannot write the report");
  }
  std::filesystem::rename(partial, path);
}

int validate_command(const ValidateOptions& o) {
  parallel::set_num_threads(o.threads);
  std::vector<const models::ValidationCase*> selected;
  if (o.cases.empty())
    for (const auto& c : models::validation_cases()) selected.push_back(&c);
  else
    for (const auto& name : o.cases) selected.push_back(&models::validation_case(name));
  if (!o.out_dir.empty()) {
    std::filesystem::create_directories(o.out_dir);
    if (!std::filesystem::is_directory(o.out_dir))
      throw InputError(o.out_dir + ": not a directory");
  }

  std::vector<CaseResult> results;
  int passed = 0, total = 0;
  for (const auto* vc : selected) {
    if (!o.quiet)
      std::cerr << "skinheal validate: " << vc->name << ": " << vc->description << " …\n";
    const auto t0 = std::chrono::steady_clock::now();
    CaseResult r{vc, vc->run(), 0.0};
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& c : r.checks) {
      ++total;
      passed += c.passed();
      if (o.quiet && c.passed()) continue;
      std::printf("  %-4s %-38s %10s %-3s in [%s, %s]\n", c.passed() ? "ok" : "FAIL", c.id.c_str(),
                  number(c.measured).c_str(), c.units.c_str(), number(c.lo).c_str(),
                  number(c.hi).c_str());
    }
    std::fflush(stdout);
    results.push_back(std::move(r));
  }
  std::printf("%d of %d checks inside their literature windows\n", passed, total);
  if (!o.out_dir.empty()) {
    const std::filesystem::path dir(o.out_dir);
    write_atomically(dir / "validation.md", markdown(results, passed, total));
    write_atomically(dir / "validation.json", json(results, passed, total));
    if (!o.quiet)
      std::printf("wrote %s and %s\n", (dir / "validation.md").c_str(),
                  (dir / "validation.json").c_str());
  }
  return passed == total ? kExitOk : 1;
}

CommandAction add_validate(CLI::App& app) {
  auto o = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Run the biology validation cases and compare each measured quantity with its literature\n"
      "window (SCIENCE.md). Takes a few seconds.\n"
      "Example: skinheal validate -o out/validation   (writes validation.md and validation.json)");
  cmd->add_option("-o,--output", o->out_dir, "Directory for validation.md and validation.json");
  cmd->add_option("--case", o->cases,
                  "Run only this case (repeatable): haemostasis, inflammation_closure_barrier, "
                  "occlusion, lotfi_five_sessions, remodelling_year, scar_five_sessions");
  cmd->add_option("--threads", o->threads, "OpenMP threads (default: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("-q,--quiet", o->quiet, "Print only failed checks and the total");
  cmd->footer(std::string(kExitCodesHelp) +
              " validate exits 1 when a check is outside its window.");
  return [o] { return validate_command(*o); };
}

const bool registered = register_command({"validate", 40, add_validate});

}  // namespace
}  // namespace skinheal::cli
