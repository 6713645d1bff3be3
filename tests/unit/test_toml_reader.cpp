// Unit tests for engine/input/toml_reader: typed required/optional reads, values with units,
// unknown-key detection with line numbers and suggestions, and one-line errors for bad files.
#include "engine/input/toml_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "engine/error.hpp"
#include "engine/grid.hpp"
#include "engine/input/resources.hpp"

namespace skinheal {
namespace {

constexpr double kDay = 86400.0;
constexpr double kInf = std::numeric_limits<double>::infinity();

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message must be one line: " << msg;
    return msg;
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Line numbers below refer to this text.
const char* const kScenario = R"(# A small scenario.
title = "demo"
seed = 42

[device]
needle_length = "1.5 mm"
count = 3
spacing = 64.0
fraction = "30 %"
enabled = true
times = ["0 d", "42 d", "6 weeks"]
weights = [1, 2.5]
names = ["a", "b"]

[wound]
diffusivity = "2.88e-3 cm^2/day"
decay = "0.5 /h"
speed = "10 um/h"

[[layers]]
name = "epidermis"
thickness = "100 um"

[[layers]]
name = "dermis"
thickness = "2 mm"
)";

TomlReader scenario() {
  return TomlReader::from_string(kScenario, "scen.toml");
}

/// Reads every key of kScenario.
void read_all(const TomlReader& reader, bool count_required = true) {
  const TomlTable root = reader.root();
  root.get_string("title");
  root.get_int("seed");
  const TomlTable device = root.table("device");
  device.get_length_um("needle_length");
  if (count_required) {
    device.get_int("count");
  } else {
    device.query_int("count", 1);
  }
  device.get_double("spacing");
  device.get_quantity("fraction", dims::dimensionless);
  device.get_bool("enabled");
  device.get_time_list_s("times");
  device.get_double_list("weights");
  device.get_string_list("names");
  const TomlTable wound = root.table("wound");
  wound.get_diffusivity_um2_per_s("diffusivity");
  wound.get_rate_per_s("decay");
  wound.get_velocity_um_per_s("speed");
  for (const TomlTable& layer : root.array_of_tables("layers")) {
    layer.get_string("name");
    layer.get_length_um("thickness");
  }
}

TEST(TomlReader, ReadsTypedValuesInInternalUnits) {
  const TomlReader reader = scenario();
  const TomlTable root = reader.root();
  EXPECT_EQ(root.get_string("title"), "demo");
  EXPECT_EQ(root.get_int("seed"), 42);
  EXPECT_DOUBLE_EQ(root.get_double("seed"), 42.0);
  const TomlTable device = root.table("device");
  EXPECT_EQ(device.path(), "device");
  EXPECT_EQ(device.line(), 5);
  EXPECT_DOUBLE_EQ(device.get_length_um("needle_length"), 1500.0);
  EXPECT_EQ(device.get_int("count"), 3);
  EXPECT_EQ(device.get_int("spacing"), 64);  // a float with an integral value is accepted
  EXPECT_DOUBLE_EQ(device.get_double("spacing"), 64.0);
  EXPECT_DOUBLE_EQ(device.get_quantity("fraction", dims::dimensionless), 0.3);
  EXPECT_TRUE(device.get_bool("enabled"));
  const std::vector<double> times = device.get_time_list_s("times");
  ASSERT_EQ(times.size(), 3u);
  EXPECT_DOUBLE_EQ(times[0], 0.0);
  EXPECT_DOUBLE_EQ(times[1], 42 * kDay);
  EXPECT_DOUBLE_EQ(times[2], 3628800.0);
  EXPECT_EQ(device.get_double_list("weights"), (std::vector<double>{1.0, 2.5}));
  EXPECT_EQ(device.get_string_list("names"), (std::vector<std::string>{"a", "b"}));
  const TomlTable wound = root.table("wound");
  EXPECT_DOUBLE_EQ(wound.get_diffusivity_um2_per_s("diffusivity"), 2.88e-3 * 1e8 / 86400.0);
  EXPECT_DOUBLE_EQ(wound.get_rate_per_s("decay"), 0.5 / 3600.0);
  EXPECT_DOUBLE_EQ(wound.get_velocity_um_per_s("speed"), 10.0 / 3600.0);
  const std::vector<TomlTable> layers = root.array_of_tables("layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[1].path(), "layers[1]");
  EXPECT_EQ(layers[1].line(), 24);
  EXPECT_EQ(layers[0].get_string("name"), "epidermis");
  EXPECT_DOUBLE_EQ(layers[1].get_length_um("thickness"), 2000.0);
}

TEST(TomlReader, DottedKeysReadThroughTables) {
  const TomlReader reader = scenario();
  EXPECT_DOUBLE_EQ(reader.root().get_length_um("device.needle_length"), 1500.0);
  EXPECT_EQ(reader.root().line_of("device.count"), 7);
  EXPECT_EQ(reader.root().line_of("device.absent"), 0);
  const std::string msg = error_of([&] { reader.root().get_double("title.x"); });
  EXPECT_EQ(msg,
            "scen.toml:2: 'title' is a string (\"demo\"), not a table, so 'title.x' cannot be "
            "read");
}

TEST(TomlReader, HasKeysAndTables) {
  const TomlReader reader = scenario();
  const TomlTable root = reader.root();
  EXPECT_TRUE(root.has("title"));
  EXPECT_FALSE(root.has("missing"));
  EXPECT_TRUE(root.has_table("device"));
  EXPECT_FALSE(root.has_table("output"));
  EXPECT_EQ(root.keys(), (std::vector<std::string>{"device", "layers", "seed", "title", "wound"}));
  const std::string msg = error_of([&] { root.has_table("title"); });
  EXPECT_EQ(msg, "scen.toml:2: 'title' must be a table, got a string (\"demo\")");
  EXPECT_TRUE(root.query_array_of_tables("events").empty());
}

TEST(TomlReader, QueryReturnsTheDefaultOnlyWhenAbsent) {
  const TomlReader reader = scenario();
  const TomlTable device = reader.root().table("device");
  EXPECT_DOUBLE_EQ(device.query_length_um("needle_length", 7.0), 1500.0);
  EXPECT_DOUBLE_EQ(device.query_length_um("depth", 7.0), 7.0);
  EXPECT_DOUBLE_EQ(device.query_time_s("interval", 42 * kDay), 42 * kDay);
  EXPECT_DOUBLE_EQ(device.query_diffusivity_um2_per_s("d", 3.3), 3.3);
  EXPECT_DOUBLE_EQ(device.query_rate_per_s("r", 0.1), 0.1);
  EXPECT_DOUBLE_EQ(device.query_velocity_um_per_s("v", 0.2), 0.2);
  EXPECT_DOUBLE_EQ(device.query_double("x", 2.5), 2.5);
  EXPECT_EQ(device.query_int("count", 9), 3);
  EXPECT_EQ(device.query_int("n", 9), 9);
  EXPECT_FALSE(device.query_bool("flag", false));
  EXPECT_TRUE(device.query_bool("enabled", false));
  EXPECT_EQ(device.query_string("label", "none"), "none");
  EXPECT_EQ(device.query_time_list_s("times", {}).size(), 3u);
  EXPECT_EQ(device.query_time_list_s("stops", {kDay}), (std::vector<double>{kDay}));
}

// With --set overrides the recorded text is re-serialised (comments are lost), but the file's
// opening comment block, its description, follows the header naming the overrides.
TEST(TomlReader, EffectiveTextKeepsTheOpeningCommentsUnderTheOverrides) {
  TomlReader reader = TomlReader::from_string(
      "# A demo: one field.\n# Second line.\n\n[grid] # trailing comment\ndx = \"20 um\"\n",
      "demo.toml");
  EXPECT_EQ(reader.effective_text().rfind("# A demo", 0), 0u);  // no override: the text as is
  reader.apply_overrides({"grid.dx=\"40 um\""});
  const std::string text = reader.effective_text();
  EXPECT_EQ(text.rfind("# demo.toml with --set grid.dx=\"40 um\"\n# A demo: one field.\n"
                       "# Second line.\n",
                       0),
            0u)
      << text;
  EXPECT_EQ(text.find("trailing comment"), std::string::npos) << text;
  const TomlReader again = TomlReader::from_string(text, "again.toml");  // still valid TOML
  EXPECT_NEAR(again.root().table("grid").get_length_um("dx"), 40.0, 1e-12);
}

TEST(TomlReader, EffectiveParametersEchoValuesAndDefaults) {
  const TomlReader reader = scenario();
  const TomlTable device = reader.root().table("device");
  device.get_length_um("needle_length");
  device.query_time_s("interval", 42 * kDay);
  device.query_int("count", 1);
  device.query_length_um("depth", 1234.5678);
  const std::vector<TomlEntry> entries = reader.effective_parameters();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].key, "device.needle_length");
  EXPECT_EQ(entries[0].value, "\"1.5 mm\"");
  EXPECT_FALSE(entries[0].from_default);
  EXPECT_EQ(entries[1].key, "device.interval");
  EXPECT_EQ(entries[1].value, "\"6 weeks\"");
  EXPECT_TRUE(entries[1].from_default);
  EXPECT_EQ(entries[2].value, "3");
  EXPECT_FALSE(entries[2].from_default);
  // The echoed default parses back to the value used.
  const std::string depth = entries[3].value.substr(1, entries[3].value.size() - 2);
  EXPECT_NEAR(parse_length_um(depth, "depth"), 1234.5678, 1e-9);
}

TEST(TomlReader, EffectiveParametersAreValidTomlInFull) {
  const std::string long_title(100, 'x');
  const TomlReader reader = TomlReader::from_string(
      "title = \"" + long_title + "\"\nratio = 0.1\ntimes = [\"1 d\", \"2 d\"]\n", "s.toml");
  const TomlTable root = reader.root();
  root.get_string("title");
  root.get_double("ratio");
  root.get_time_list_s("times");
  root.query_double("third", 1.0 / 3.0);
  root.query_string("label", "say \"hi\"\n");
  const std::vector<TomlEntry> entries = reader.effective_parameters();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].value, "\"" + long_title + "\"");  // not shortened
  EXPECT_EQ(entries[1].value, "0.1");
  EXPECT_EQ(entries[2].value, "[\"1 d\", \"2 d\"]");
  EXPECT_EQ(std::stod(entries[3].value), 1.0 / 3.0);  // shortest text that reads back exactly
  EXPECT_EQ(entries[4].value, "\"say \\\"hi\\\"\\n\"");
  EXPECT_TRUE(entries[4].from_default);
}

TEST(TomlReader, AllKeysReadPassesTheCheck) {
  const TomlReader reader = scenario();
  read_all(reader);
  EXPECT_NO_THROW(reader.check_all_used());
  EXPECT_EQ(reader.text(), kScenario);
  EXPECT_EQ(reader.name(), "scen.toml");
}

TEST(TomlReader, UnknownKeyNamesFileLineAndNearestKey) {
  std::string text = kScenario;
  text.replace(text.find("count = 3"), 9, "cuont = 3");
  const TomlReader reader = TomlReader::from_string(text, "scen.toml");
  EXPECT_FALSE(reader.root().has("device.count"));
  read_all(reader, /*count_required=*/false);
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }),
            "scen.toml:7: unknown key 'device.cuont'; did you mean 'device.count'?");
}

TEST(TomlReader, UnknownKeySuggestsDeclaredKey) {
  const TomlReader reader = TomlReader::from_string(
      "[device]\nneedle_length = \"1 mm\"\nneedle_lenght = \"2 mm\"\n", "scenario.toml");
  const TomlTable device = reader.root().table("device");
  EXPECT_DOUBLE_EQ(device.get_length_um("needle_length"), 1000.0);
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }),
            "scenario.toml:3: unknown key 'device.needle_lenght'; did you mean "
            "'device.needle_length'?");
}

TEST(TomlReader, UnknownKeySuggestsQueriedAbsentKey) {
  const TomlReader reader =
      TomlReader::from_string("[device]\n\n\nneedle_lenght = \"2 mm\"\n", "s.toml");
  const TomlTable device = reader.root().table("device");
  EXPECT_DOUBLE_EQ(device.query_length_um("needle_length", 1500.0), 1500.0);
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }),
            "s.toml:4: unknown key 'device.needle_lenght'; did you mean 'device.needle_length'?");
}

TEST(TomlReader, UnknownTableAndArrayElementKeys) {
  const TomlReader reader = TomlReader::from_string(
      "[device]\nx = 1\n\n[devic]\ny = 2\n\n[[layers]]\nthickness = \"1 um\"\n\n[[layers]]\n"
      "thicknes = \"2 um\"\n",
      "s.toml");
  reader.root().table("device").get_int("x");
  for (const TomlTable& layer : reader.root().array_of_tables("layers"))
    layer.query_length_um("thickness", 0.0);
  const std::string msg = error_of([&] { reader.check_all_used(); });
  EXPECT_EQ(msg,
            "s.toml:4: unknown key 'devic'; did you mean 'device'? (also unknown: "
            "'layers[1].thicknes' (line 11))");
}

TEST(TomlReader, UnknownKeyInArrayElementSuggestsSameElement) {
  const TomlReader reader = TomlReader::from_string(
      "[[layers]]\nthickness = \"1 um\"\n[[layers]]\nthicknes = \"2 um\"\n", "s.toml");
  const auto layers = reader.root().array_of_tables("layers");
  layers[0].get_length_um("thickness");
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }),
            "s.toml:4: unknown key 'layers[1].thicknes'; did you mean 'layers[1].thickness'?");
}

TEST(TomlReader, UnreadTableIsUnknownAndIgnoreSkipsIt) {
  const TomlReader reader =
      TomlReader::from_string("a = 1\n[python]\nstyle = \"dark\"\n[extra]\nz = 1\n", "s.toml");
  reader.root().get_int("a");
  const std::string msg = error_of([&] { reader.check_all_used(); });
  EXPECT_TRUE(contains(msg, "s.toml:2: unknown key 'python'")) << msg;
  EXPECT_TRUE(contains(msg, "'extra' (line 4)")) << msg;
  reader.root().ignore("python");
  reader.root().ignore("extra.z");
  EXPECT_THROW(reader.check_all_used(), InputError);  // table 'extra' itself is still unread
  reader.root().table("extra");
  EXPECT_NO_THROW(reader.check_all_used());
}

TEST(TomlReader, KeyThatWasOnlyTestedWithHasIsUnknown) {
  const TomlReader reader = TomlReader::from_string("a = 1\n", "s.toml");
  EXPECT_TRUE(reader.root().has("a"));
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }), "s.toml:1: unknown key 'a'");
}

TEST(TomlReader, QuotedKeyWithNewlineStaysOnOneLine) {
  const TomlReader reader = TomlReader::from_string("\"a\\nb\" = 1\n", "s.toml");
  EXPECT_EQ(error_of([&] { reader.check_all_used(); }), "s.toml:1: unknown key 'a\\x0ab'");
}

TEST(TomlReader, WrongTypesNameLineKeyAndExpectation) {
  const TomlReader reader = TomlReader::from_string(
      "needle_length = true\nbare = 1500\nflag = \"yes\"\nhalf = 2.5\nbig = 9999999999\n"
      "huge = 99999999999999999999\nnot_finite = nan\nnum = 3\nwhen = 1979-05-27\n"
      "times = [\"0 d\", 5]\nlayers = [1, 2]\nlist = \"a\"\n",
      "s.toml");
  const TomlTable root = reader.root();
  EXPECT_EQ(error_of([&] { root.get_length_um("needle_length"); }),
            "s.toml:1: 'needle_length' must be a string with units such as \"1.5 mm\" or "
            "\"250 um\", got a boolean (true)");
  EXPECT_EQ(error_of([&] { root.get_length_um("bare"); }),
            "s.toml:2: 'bare' = 1500 has no unit; write a length as a string with units such as "
            "\"1.5 mm\" or \"250 um\"");
  EXPECT_EQ(error_of([&] { root.get_bool("flag"); }),
            "s.toml:3: 'flag' must be true or false, got a string (\"yes\")");
  EXPECT_EQ(error_of([&] { root.get_int("half"); }),
            "s.toml:4: 'half' must be an integer, got a float (2.5)");
  EXPECT_TRUE(contains(error_of([&] { root.get_int("big"); }),
                       "s.toml:5: 'big' = 9999999999 is "
                       "out of range"));
  EXPECT_TRUE(contains(error_of([&] { root.get_double("huge"); }), "s.toml:6: 'huge'"));
  EXPECT_EQ(error_of([&] { root.get_double("not_finite"); }),
            "s.toml:7: 'not_finite' must be a finite number, got a float (nan)");
  EXPECT_EQ(error_of([&] { root.get_string("num"); }),
            "s.toml:8: 'num' must be a string, got an integer (3)");
  EXPECT_TRUE(contains(error_of([&] { root.get_time_s("when"); }), "got a date/time"));
  EXPECT_EQ(error_of([&] { root.get_time_list_s("times"); }),
            "s.toml:10: 'times[1]' = 5 has no unit; write a time as a string with units such as "
            "\"42 d\" or \"6 weeks\"");
  EXPECT_EQ(error_of([&] { root.array_of_tables("layers"); }),
            "s.toml:11: 'layers[0]' must be a table, got an integer (1)");
  EXPECT_TRUE(contains(error_of([&] { root.get_string_list("list"); }),
                       "s.toml:12: 'list' must be an array of strings, got a string"));
  EXPECT_TRUE(contains(error_of([&] { root.table("num"); }), "'num' must be a table"));
}

TEST(TomlReader, BadUnitsInFileNameFileLineAndKey) {
  const TomlReader reader = TomlReader::from_string(
      "[device]\nneedle_length = \"6 weeks\"\nother = \"6 kg\"\nthird = \"1.5.3 mm\"\n", "s.toml");
  const TomlTable device = reader.root().table("device");
  EXPECT_EQ(error_of([&] { device.get_length_um("needle_length"); }),
            "s.toml:2: \"6 weeks\" for 'device.needle_length': is a time, expected a length such "
            "as \"1.5 mm\" or \"250 um\"");
  EXPECT_EQ(error_of([&] { device.query_length_um("other", 1.0); }),
            "s.toml:3: \"6 kg\" for 'device.other': unknown unit 'kg'; expected a length such as "
            "\"1.5 mm\" or \"250 um\"");
  EXPECT_TRUE(contains(error_of([&] { device.get_length_um("third"); }),
                       "s.toml:4: \"1.5.3 mm\" for 'device.third': malformed number '1.5.3'"));
}

TEST(TomlReader, MissingRequiredKey) {
  const TomlReader reader =
      TomlReader::from_string("top = 1\n\n[device]\nneedle_lenght = \"2 mm\"\n", "s.toml");
  EXPECT_EQ(error_of([&] { reader.root().table("device").get_length_um("needle_length"); }),
            "s.toml:3: missing required key 'device.needle_length', a length such as \"1.5 mm\" "
            "or \"250 um\"; is 'device.needle_lenght' on line 4 a typo?");
  EXPECT_EQ(error_of([&] { reader.root().get_int("count"); }),
            "s.toml: missing required key 'count', an integer");
  EXPECT_EQ(error_of([&] { reader.root().table("wound"); }),
            "s.toml: missing required key 'wound', a table [wound]");
  EXPECT_EQ(error_of([&] { reader.root().get_double("wound.depth"); }),
            "s.toml: missing required key 'wound.depth', a number");
}

TEST(TomlReader, RequireRangeAndFail) {
  const TomlReader reader = scenario();
  const TomlTable device = reader.root().table("device");
  const double length = device.get_length_um("needle_length");
  EXPECT_NO_THROW(device.require_range("needle_length", length, 100.0, 3000.0, dims::length));
  EXPECT_EQ(
      error_of([&] { device.require_range("needle_length", length, 100.0, 1000.0, dims::length); }),
      "scen.toml:6: 'device.needle_length' = \"1.5 mm\" is out of range: must be between "
      "100 um and 1 mm");
  EXPECT_EQ(error_of([&] { device.require_range("count", 3, 5); }),
            "scen.toml:7: 'device.count' = 3 is out of range: must be at least 5");
  EXPECT_EQ(error_of([&] { device.require_range("count", 3, -kInf, 2); }),
            "scen.toml:7: 'device.count' = 3 is out of range: must be at most 2");
  EXPECT_EQ(error_of([&] { device.require_range("gap", 50.0, 100.0, kInf, dims::length); }),
            "scen.toml:5: 'device.gap' = 50 um (the default) is out of range: must be at least "
            "100 um");
  EXPECT_THROW(device.require_range("count", std::nan(""), 0, 1), InputError);
  EXPECT_EQ(error_of([&] { device.fail("names", "must list at least three names"); }),
            "scen.toml:13: 'device.names' must list at least three names");
}

TEST(TomlReader, SyntaxErrorsAreOneLineWithFileAndLine) {
  const std::string a = error_of([] { TomlReader::from_string("a = 1\nb = = 2\n", "bad.toml"); });
  EXPECT_EQ(a.rfind("bad.toml:2: TOML syntax error: ", 0), 0u) << a;
  EXPECT_TRUE(contains(a, "b = = 2")) << a;
  const std::string dup = error_of([] { TomlReader::from_string("a = 1\na = 2\n", "bad.toml"); });
  EXPECT_EQ(dup.rfind("bad.toml:2: TOML syntax error: ", 0), 0u) << dup;
  EXPECT_TRUE(contains(dup, "already exists")) << dup;
  const std::string table =
      error_of([] { TomlReader::from_string("[t]\nx = 1\n[t]\n", "bad.toml"); });
  EXPECT_EQ(table.rfind("bad.toml:3: TOML syntax error: ", 0), 0u) << table;
  const std::string str =
      error_of([] { TomlReader::from_string("ok = 1\ns = \"open\n", "bad.toml"); });
  EXPECT_EQ(str.rfind("bad.toml:2: TOML syntax error: ", 0), 0u) << str;
  EXPECT_FALSE(contains(str, "[error]")) << str;
}

TEST(TomlReader, BadTextIsRejectedWithTheName) {
  EXPECT_EQ(error_of([] { TomlReader::from_string("", "e.toml"); }), "e.toml: file is empty");
  EXPECT_EQ(error_of([] { TomlReader::from_string(" \n\t\n", "e.toml"); }),
            "e.toml: file is empty");
  EXPECT_EQ(error_of([] { TomlReader::from_string("a = 1\nb = \"\xff\"\n", "u.toml"); }),
            "u.toml:2: not valid UTF-8 (byte 0xff at column 6); save the file as UTF-8");
  EXPECT_TRUE(contains(error_of([] { TomlReader::from_string("a = \"\xc3\x28\"\n", "u.toml"); }),
                       "u.toml:1: not valid UTF-8"));
  const std::string huge(std::size_t{5} << 20, '#');
  EXPECT_TRUE(contains(error_of([&] { TomlReader::from_string(huge, "h.toml"); }),
                       "h.toml: file is larger than 4 MiB"));
  // A UTF-8 value with a micro sign is fine.
  const TomlReader ok = TomlReader::from_string("l = \"250 \xc2\xb5m\"\n", "ok.toml");
  EXPECT_DOUBLE_EQ(ok.root().get_length_um("l"), 250.0);
}

class TomlReaderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("skinheal_toml_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir_ / "locked.toml", std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(TomlReaderFiles, ReadsAFileAndKeepsItsText) {
  const std::string path = write("scenario.toml", kScenario);
  const TomlReader reader = TomlReader::from_file(path);
  EXPECT_EQ(reader.text(), kScenario);
  EXPECT_EQ(reader.name(), path);
  read_all(reader);
  EXPECT_NO_THROW(reader.check_all_used());
}

TEST_F(TomlReaderFiles, UnknownKeyMessageNamesThePath) {
  const std::string path = write("typo.toml", "[device]\nneedle_length = \"1 mm\"\nx = 1\n");
  const TomlReader reader = TomlReader::from_file(path);
  reader.root().table("device").get_length_um("needle_length");
  EXPECT_EQ(
      error_of([&] { reader.check_all_used(); }).rfind(path + ":3: unknown key 'device.x'", 0), 0u);
}

TEST_F(TomlReaderFiles, BadFilesAreOneLineErrors) {
  const std::string missing = (dir_ / "nope.toml").string();
  EXPECT_EQ(error_of([&] { TomlReader::from_file(missing); }), missing + ": no such file");
  EXPECT_EQ(error_of([&] { TomlReader::from_file(dir_.string()); }),
            dir_.string() + ": is a directory, not a scenario file");
  const std::string empty = write("empty.toml", "");
  EXPECT_EQ(error_of([&] { TomlReader::from_file(empty); }), empty + ": file is empty");
  const std::string latin1 = write("latin1.toml", "name = \"caf\xe9\"\n");
  EXPECT_EQ(error_of([&] { TomlReader::from_file(latin1); }),
            latin1 + ":1: not valid UTF-8 (byte 0xe9 at column 12); save the file as UTF-8");
  const std::string huge = write("huge.toml", std::string((std::size_t{4} << 20) + 1, '#'));
  EXPECT_EQ(error_of([&] { TomlReader::from_file(huge); }),
            huge + ": file is 4194305 bytes; scenario files are limited to 4 MiB");
  const std::string syntax = write("syntax.toml", "a = 1\n\n[b\n");
  EXPECT_EQ(
      error_of([&] { TomlReader::from_file(syntax); }).rfind(syntax + ":3: TOML syntax error", 0),
      0u);
}

TEST_F(TomlReaderFiles, UnreadableFile) {
  const std::string path = write("locked.toml", "a = 1\n");
  std::filesystem::permissions(path, std::filesystem::perms::none);
  if (std::ifstream(path).good()) GTEST_SKIP() << "running as root: permissions are not enforced";
  EXPECT_TRUE(
      contains(error_of([&] { TomlReader::from_file(path); }), path + ": cannot be read ("));
}

TEST(TomlReader, WarningsAndWhereNameTheFileAndLine) {
  const TomlReader reader =
      TomlReader::from_string("[device]\nneedle_length = \"0.1 mm\"\n", "w.toml");
  const TomlTable device = reader.root().table("device");
  EXPECT_EQ(device.where(), "w.toml:1: ");
  EXPECT_EQ(reader.root().where(), "w.toml: ");
  EXPECT_EQ(device.file_name(), "w.toml");
  device.warn("needle_length", "is short");
  device.warn("missing", "is absent");
  ASSERT_EQ(reader.warnings().size(), 2u);
  EXPECT_EQ(reader.warnings()[0], "w.toml:2: 'device.needle_length' is short");
  EXPECT_EQ(reader.warnings()[1], "w.toml:1: 'device.missing' is absent");
}

TEST(TomlReader, DeepNestingIsRefusedBeforeParsing) {
  const std::string deep = "a = 1\nb = " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  EXPECT_EQ(error_of([&] { TomlReader::from_string(deep, "deep.toml"); }),
            "deep.toml:2: arrays or inline tables nested more than 64 deep; scenario files need a "
            "few levels at most");
  // Brackets in strings and comments do not count; a few levels are fine.
  const std::string fine = "# [[[[\ns = \"" + std::string(100, '[') + "\"\nt = '''\n" +
                           std::string(100, '{') + "'''\nx = [[1, 2], [3]]\n";
  EXPECT_NO_THROW(TomlReader::from_string(fine, "fine.toml"));
}

TEST(Resources, CountedCellsMatchTheGradedFaces) {
  const std::vector<Layer> layers{{"a", 18.0}, {"b", 61.0}, {"c", 0.3}, {"d", 1921.0}};
  for (const double growth : {1.0, 1.15, 2.0}) {
    const auto faces = Grid::graded_faces(layers, 2.0, 40.0, growth);
    EXPECT_EQ(count_graded_cells(layers, 2.0, 40.0, growth, 1e9),
              static_cast<double>(faces.size() - 1))
        << "growth " << growth;
  }
  // A 1 nm spacing over 2 mm stops counting at the limit instead of running for ages.
  EXPECT_GT(count_graded_cells(layers, 1e-3, 1e-3, 1.0, 1000.0), 1000.0);
}

TEST(Resources, TooLargeGridIsRefusedWithTheEstimate) {
  const TomlReader reader = TomlReader::from_string("[grid]\ndx = \"1 um\"\n", "g.toml");
  const TomlTable grid = reader.root().table("grid");
  const ResourceLimits saved = resource_limits();
  set_resource_limits({1e6, false});
  EXPECT_NO_THROW(require_grid_fits(grid, 1e6, 3, "raise dx"));
  const std::string message = error_of([&] { require_grid_fits(grid, 2e6, 3, "raise dx"); });
  EXPECT_TRUE(contains(message, "g.toml:1: ")) << message;
  EXPECT_TRUE(contains(message, "GiB")) << message;
  EXPECT_TRUE(contains(message, "raise dx")) << message;
  set_resource_limits({1e12, true});
  const double available = available_memory_bytes();
  if (available > 0.0) {
    const double cells = 2.0 * available / estimated_run_bytes(1.0, 13);
    EXPECT_TRUE(contains(error_of([&] { require_grid_fits(grid, cells, 13, "raise dx"); }),
                         "are available (MemAvailable)"));
  }
  set_resource_limits(saved);
}

}  // namespace
}  // namespace skinheal
