// `skinheal sweep SCENARIO --vary KEY=V1,V2,... [--vary ...] -o DIR [-j N]`: run the cartesian
// product of the --vary lists as separate `skinheal run` child processes (N at a time) and
// write DIR/summary.csv with one row per run: the varied values, status, wall time, output
// path and the final per-layer means of every field (read from each run's /summary).
//
// Every combination is loaded and validated before anything runs: one bad combination is an
// exit 2 naming it. A run that fails is reported, recorded in the table and does not stop the
// sweep; the sweep then exits 3. Children are started with posix_spawn and an argument vector
// (`/proc/self/exe run SCENARIO --set ... -o DIR/run_<i>.h5 --quiet --threads 1`), never through
// a shell; each child's stdout and stderr go to DIR/run_<i>.log. SIGINT/SIGTERM stop the
// children, write the table (unfinished runs marked "interrupted") and exit 130.
//
// `--scheduler ADDR` hands the whole command to the Python package (`python3 -m skinheal sweep`,
// Dask), found at <exe dir>/../python.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "engine/error.hpp"
#include "engine/output/hdf5_reader.hpp"
#include "models/scenario_file.hpp"

extern char** environ;

namespace skinheal::cli {
namespace {

namespace fs = std::filesystem;

struct SweepOptions {
  std::string scenario, output_dir, scheduler;
  std::vector<std::string> vary, overrides;
  int jobs = 0;
  bool force = false, quiet = false;
};

/// One --vary: the key and its TOML values as written.
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

/// Splits "V1,V2,..." at the commas that are outside quotes, brackets and braces, so that
/// `["0 d", "42 d"],["0 d"]` is two values.
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      current += c;
      if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        current += text[++i];
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  out.push_back(current);
  for (std::string& v : out) {
    const auto first = v.find_first_not_of(" \t");
    const auto last = v.find_last_not_of(" \t");
    v = first == std::string::npos ? std::string() : v.substr(first, last - first + 1);
  }
  return out;
}

Axis parse_axis(const std::string& scenario, const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(scenario + ": --vary " + text +
                     ": expected KEY=V1,V2,... such as --vary 'grid.dx=" + "\"20 um\",\"10 um\"'");
  Axis axis{text.substr(0, eq), split_values(text.substr(eq + 1))};
  for (const std::string& v : axis.values)
    if (v.empty())
      throw InputError(scenario + ": --vary " + text +
                       ": an empty value; separate TOML values by commas, " +
                       "such as --vary 'time.end=\"1 d\",\"2 d\"'");
  return axis;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string number_text(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

std::string seconds_text(double s) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

/// The argument vector this process was started with (from /proc/self/cmdline).
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

std::string own_executable() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw InputError("sweep: cannot find this executable (/proc/self/exe): " + ec.message());
  return exe.string();
}

/// --scheduler: replace this process by `python3 -m skinheal sweep <the same arguments>`.
int exec_python_sweep() {
  const std::vector<std::string> args = own_arguments();
  const auto sweep = std::find(args.begin() + (args.empty() ? 0 : 1), args.end(), "sweep");
  if (sweep == args.end()) throw InputError("sweep: cannot recover the command line");
  std::vector<std::string> argv{"/usr/bin/python3", "-m", "skinheal", "sweep"};
  argv.insert(argv.end(), sweep + 1, args.end());
  const fs::path package_dir = fs::path(own_executable()).parent_path().parent_path() / "python";
  if (fs::is_directory(package_dir)) {
    const char* old = std::getenv("PYTHONPATH");
    const std::string path =
        package_dir.string() + (old && *old ? std::string(":") + old : std::string());
    setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  execv(cargv[0], cargv.data());
  throw InputError("sweep --scheduler: cannot start /usr/bin/python3 -m skinheal (" +
                   std::string(std::strerror(errno)) + ")");
}

struct Run {
  std::vector<std::string> values;     ///< one per axis
  std::vector<std::string> overrides;  ///< --set list for the child
  std::string output, log;
  std::string status = "pending";  ///< pending, running, ok, failed, interrupted
  int exit_code = -1;
  double wall_s = 0.0;
  pid_t pid = -1;
  std::chrono::steady_clock::time_point started;
  /// (column, final value): t_end_s, then each summary column's layers from the surface down.
  std::vector<std::pair<std::string, double>> finals;
};

pid_t spawn_run(const std::string& exe, const SweepOptions& o, const Run& run) {
  std::vector<std::string> argv{exe, "run", o.scenario};
  for (const std::string& s : run.overrides) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  argv.insert(argv.end(), {"-o", run.output, "--quiet", "--threads", "1"});
  if (o.force) argv.push_back("--force");
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, run.log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  return pid;
}

/// The last non-empty line of a child's log, for the failure report.
std::string last_line(const std::string& path) {
  std::ifstream in(path);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

/// The stems (run_<i>) of the run files an earlier sweep's DIR/summary.csv lists in its
/// `output` column, if they lie in DIR; empty without a readable summary.
std::vector<std::string> earlier_run_stems(const fs::path& dir) {
  std::ifstream in(dir / "summary.csv");
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  // Fields split at commas outside double quotes ("" inside quotes is one quote).
  auto fields = [](const std::string& text) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"' && quoted && i + 1 < text.size() && text[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.emplace_back();
      } else {
        out.back() += c;
      }
    }
    return out;
  };
  const std::vector<std::string> header = fields(line);
  const auto col = std::find(header.begin(), header.end(), "output") - header.begin();
  if (col == static_cast<long>(header.size())) return {};
  std::vector<std::string> stems;
  static const std::regex run_stem(R"(run_\d{1,9})");
  while (std::getline(in, line)) {
    const std::vector<std::string> row = fields(line);
    if (col >= static_cast<long>(row.size())) continue;
    const fs::path out(row[static_cast<std::size_t>(col)]);
    std::error_code ec;
    const std::string stem = out.stem().string();
    if (std::regex_match(stem, run_stem) && fs::equivalent(out.parent_path(), dir, ec))
      stems.push_back(stem);
  }
  return stems;
}

void read_finals(Run& run) {
  const Hdf5Result result(run.output);
  const ResultSummary s = result.read_summary();
  if (s.num_steps() == 0) return;
  const std::size_t last = s.num_steps() - 1;
  run.finals.emplace_back("t_end_s", s.time_s[last]);
  for (const auto& [column, values] : s.mean)
    for (std::size_t l = 0; l < s.layer_names.size(); ++l)  // layers in depth order
      run.finals.emplace_back("final." + column + "." + s.layer_names[l], s.at(column, last, l));
}

void write_summary(const fs::path& dir, const std::vector<Axis>& axes,
                   const std::vector<Run>& runs) {
  std::vector<std::string> finals;  // columns in order of first appearance, t_end_s first
  std::set<std::string> seen;
  for (const Run& r : runs)
    for (const auto& [column, value] : r.finals)
      if (seen.insert(column).second) finals.push_back(column);
  std::stable_partition(finals.begin(), finals.end(),
                        [](const std::string& c) { return c == "t_end_s"; });
  // A varied TOML string is written as its text ("0.5 mm" → 0.5 mm), ready to plot; other
  // values (numbers, arrays) as written.
  auto value_text = [](const std::string& v) {
    const bool plain_string = v.size() >= 2 && v.front() == '"' && v.back() == '"' &&
                              v.find_first_of("\\\"", 1) == v.size() - 1;
    return plain_string ? v.substr(1, v.size() - 2) : v;
  };
  const fs::path path = dir / "summary.csv";
  const fs::path partial = dir / "summary.csv.partial";
  {
    std::ofstream out(partial);
    out << "run";
    for (const Axis& a : axes) out << "," << csv_field(a.key);
    out << ",status,exit_code,wall_s,output";
    for (const std::string& c : finals) out << "," << csv_field(c);
    out << "\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const Run& r = runs[i];
      out << i;
      for (const std::string& v : r.values) out << "," << csv_field(value_text(v));
      out << "," << r.status << "," << r.exit_code << "," << seconds_text(r.wall_s) << ","
          << csv_field(r.output);
      const std::map<std::string, double> by_column(r.finals.begin(), r.finals.end());
      for (const std::string& c : finals) {
        out << ",";
        const auto it = by_column.find(c);
        if (it != by_column.end()) out << number_text(it->second);
      }
      out << "\n";
    }
    if (!out) throw InputError(partial.string() + ": cannot be written");
  }
  fs::rename(partial, path);
}

int sweep_command(const SweepOptions& o) {
  if (!o.scheduler.empty()) return exec_python_sweep();

  std::vector<Axis> axes;
  std::set<std::string> keys;
  for (const std::string& v : o.vary) {
    axes.push_back(parse_axis(o.scenario, v));
    if (!keys.insert(axes.back().key).second)
      throw InputError(o.scenario + ": --vary " + axes.back().key +
                       " is given twice; list all its values in " + "one --vary KEY=V1,V2,...");
  }
  std::size_t total = 1;
  for (const Axis& a : axes) {
    total *= a.values.size();
    if (total > 100000) throw InputError("sweep: more than 100000 combinations; split the sweep");
  }
  if (o.output_dir.empty()) throw InputError("sweep: --output DIR is required");
  const fs::path dir(o.output_dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw InputError(o.output_dir + ": exists and is not a directory");

  // The runs, in row-major order of the axes (the last --vary changes fastest).
  std::vector<Run> runs(total);
  for (std::size_t i = 0; i < total; ++i) {
    Run& r = runs[i];
    r.overrides = o.overrides;
    std::size_t rest = i;
    std::vector<std::size_t> index(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      index[a] = rest % axes[a].values.size();
      rest /= axes[a].values.size();
    }
    for (std::size_t a = 0; a < axes.size(); ++a) {
      r.values.push_back(axes[a].values[index[a]]);
      r.overrides.push_back(axes[a].key + "=" + axes[a].values[index[a]]);
    }
    r.output = (dir / ("run_" + std::to_string(i) + ".h5")).string();
    r.log = (dir / ("run_" + std::to_string(i) + ".log")).string();
  }

  // Validate every combination before running anything.
  std::set<std::string> warnings;
  models::set_warning_sink(nullptr);
  for (std::size_t i = 0; i < total; ++i) {
    std::vector<std::string> shown;
    for (std::size_t a = 0; a < axes.size(); ++a)
      shown.push_back(axes[a].key + "=" + runs[i].values[a]);
    std::string label = "run " + std::to_string(i);
    for (const std::string& s : shown) label += " " + s;
    try {
      const models::LoadedScenario loaded = models::load_scenario(o.scenario, runs[i].overrides);
      warnings.insert(loaded.warnings.begin(), loaded.warnings.end());
    } catch (const InputError& e) {
      throw InputError("sweep " + label + ": " + e.what());
    }
  }
  for (const std::string& w : warnings) std::cerr << "skinheal: warning: " << w << "\n";

  // Nothing is overwritten without --force.
  if (!o.force) {
    if (fs::exists(dir / "summary.csv"))
      throw InputError((dir / "summary.csv").string() + " exists; use --force to overwrite");
    for (const Run& r : runs)
      if (fs::exists(r.output)) throw InputError(r.output + " exists; use --force to overwrite");
  }
  fs::create_directories(dir, ec);
  if (ec) throw InputError(o.output_dir + ": cannot create the directory (" + ec.message() + ")");
  // --force: the run files an earlier sweep's summary.csv lists, and this sweep does not
  // write again, would sit beside a summary that does not list them; they go. Files the earlier
  // summary does not name (a user's own) are never touched.
  if (o.force) {
    std::set<std::string> ours;
    for (const Run& r : runs) ours.insert(fs::path(r.output).stem().string());
    for (const std::string& stem : earlier_run_stems(dir))
      if (!ours.count(stem))
        for (const char* ext : {".h5", ".log", ".xdmf", ".h5.partial", ".h5.checkpoint"})
          if (fs::is_regular_file(dir / (stem + ext), ec)) fs::remove(dir / (stem + ext), ec);
  }

  const std::string exe = own_executable();
  const int jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!o.quiet)
    std::cerr << "skinheal: sweep of " << total << " run(s), " << jobs << " at a time, into "
              << o.output_dir << "\n";
  install_interrupt_handlers();

  std::size_t next = 0, running = 0, done = 0, failed = 0;
  bool stop = false;
  while (done < total) {
    if (interrupted() && !stop) {
      stop = true;
      for (Run& r : runs)
        if (r.status == "running") kill(r.pid, SIGTERM);
    }
    while (!stop && running < static_cast<std::size_t>(jobs) && next < total) {
      Run& r = runs[next++];
      r.started = std::chrono::steady_clock::now();
      r.pid = spawn_run(exe, o, r);
      if (r.pid < 0) {
        r.status = "failed";
        ++done;
        ++failed;
        std::cerr << "skinheal: sweep: run " << (next - 1) << " could not be started\n";
        continue;
      }
      r.status = "running";
      ++running;
    }
    if (stop && running == 0) {
      for (Run& r : runs)
        if (r.status == "pending") {
          r.status = "interrupted";
          ++done;
        }
      break;
    }
    int wstatus = 0;
    const pid_t pid = waitpid(-1, &wstatus, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const auto it = std::find_if(runs.begin(), runs.end(), [&](const Run& r) {
      return r.pid == pid && r.status == "running";
    });
    if (it == runs.end()) continue;
    Run& r = *it;
    const std::size_t i = static_cast<std::size_t>(it - runs.begin());
    --running;
    ++done;
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    r.exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (r.exit_code == 0) {
      r.status = "ok";
      try {
        read_finals(r);
      } catch (const std::exception& e) {
        r.status = "failed";
        std::cerr << "skinheal: sweep: run " << i << ": cannot read the result: " << e.what()
                  << "\n";
      }
    } else {
      r.status = stop ? "interrupted" : "failed";
    }
    if (r.status == "failed") ++failed;
    if (!o.quiet || r.status == "failed") {
      std::cerr << "skinheal: sweep: " << done << "/" << total << " done; run " << i << " "
                << r.status << " (exit " << r.exit_code << ", " << seconds_text(r.wall_s) << " s)";
      if (r.status == "failed") std::cerr << ": " << last_line(r.log);
      std::cerr << "\n";
    }
  }
  write_summary(dir, axes, runs);
  if (!o.quiet) {
    std::size_t unfinished = 0;
    for (const Run& r : runs) unfinished += r.status == "interrupted" || r.status == "pending";
    std::cout << "wrote " << (dir / "summary.csv").string() << " (" << total << " run(s), "
              << failed << " failed"
              << (unfinished ? ", " + std::to_string(unfinished) + " interrupted" : "") << ")\n";
  }
  if (stop) return kExitInterrupted;
  return failed > 0 ? kExitNumerical : kExitOk;
}

CommandAction add_sweep(CLI::App& app) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep",
      "Run a scenario over the cartesian product of parameter values, N runs at a time, and\n"
      "write DIR/summary.csv (one row per run: values, status, wall time, final layer means).\n"
      "Values are TOML values, as for --set: quote strings with units.\n"
      "Example: skinheal sweep scenarios/demo_diffusion.toml -o out/sweep -j 2 \\\n"
      "           --vary 'grid.dx=\"20 um\",\"40 um\"' --vary 'time.rtol=1e-2,1e-3'");
  cmd->add_option("scenario", o->scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--vary", o->vary,
                  "KEY=V1,V2,...: TOML values separated by commas (repeat for more keys)")
      ->required();
  cmd->add_option("-o,--output", o->output_dir,
                  "Output directory: run_<i>.h5, run_<i>.log, summary.csv")
      ->required();
  cmd->add_option("-j,--jobs", o->jobs, "Runs at a time (default: all cores)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--scheduler", o->scheduler,
                  "Dask scheduler address: hand the sweep to `python3 -m skinheal sweep`");
  cmd->add_option("--set", o->overrides, "Override a scenario value in every run (KEY=VALUE)");
  cmd->add_flag("--force", o->force, "Overwrite existing run files and summary.csv");
  cmd->add_flag("-q,--quiet", o->quiet, "Only failures and errors on stderr");
  cmd->footer(std::string(kExitCodesHelp) +
              " A sweep exits 3 when any run failed (the table records which).");
  return [o] { return sweep_command(*o); };
}

const bool registered = register_command({"sweep", 30, add_sweep});

}  // namespace
}  // namespace skinheal::cli
