/// \file toml_reader.hpp
/// \brief Checked reading of a TOML scenario file: required keys (`get_*`), optional keys with
/// the default stated at the call site (`query_*`), values with units, and an error for every
/// key the program never read (`check_all_used`), as AMReX's ParmParse does.
///
/// Every error is one InputError line that starts with `file:line:` and names the full dotted
/// key, e.g.
///
///     scenario.toml:12: unknown key 'device.needle_lenght'; did you mean 'device.needle_length'?
///     scenario.toml:4: "6 weeks" for 'device.needle_length': is a time, expected a length such
///     as "1.5 mm" or "250 um"
///
/// After `--set KEY=VALUE` overrides (apply_overrides), a message about an overridden value
/// names the override instead of a line, and every other key keeps its line in the file:
///
///     scenario.toml: --set grid.dx="abc": unknown unit 'abc' in "abc" for 'grid.dx' ...
///
/// Keys inside an array of tables are named with a 0-based index: `layers[1].thickness`.
/// A key given to any getter may itself be dotted ("time.end" read from the root table); so a
/// quoted TOML key that contains a dot ("a.b" = 1) cannot be read and is reported as unknown.
///
/// Values with units are TOML strings ("1.5 mm"); a bare number is accepted only where the
/// quantity is dimensionless. toml11 (3.7) stays out of this header.
///
/// Ownership: a TomlReader and every TomlTable taken from it share one parsed document and one
/// record of the keys read; copies are cheap and refer to the same record. Not thread-safe.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/input/units.hpp"

namespace skinheal {

namespace detail {
struct TomlState;
}  // namespace detail

class TomlTable;

/// \brief One key as the program used it: the value in effect, as written in the file or as
/// the default from the code. For echoing the effective parameters into every output.
struct TomlEntry {
  std::string key;            ///< Full dotted key, e.g. "device.needle_length".
  std::string value;          ///< "\"1.5 mm\"", "3", "true", or the formatted default.
  bool from_default = false;  ///< The key was absent and the code's default was used.
};

/// \brief A parsed TOML scenario file that records which keys were read. One per file.
class TomlReader {
 public:
  /// Reads and parses `path`. A missing, unreadable, empty, non-UTF-8 or larger than 4 MiB
  /// file, and any TOML syntax error, is an InputError naming the file (and the line).
  static TomlReader from_file(const std::string& path);
  /// Parses `text`; `name` stands for the file name in messages.
  static TomlReader from_string(const std::string& text, const std::string& name);

  /// Applies "dotted.key=value" overrides (TOML values; "layers[1].thickness" indexes an array
  /// of tables) to the parsed document, in order: the CLI's and the Python API's --set. Call
  /// before root(). A malformed override is an InputError "file: --set KEY=VALUE: reason".
  void apply_overrides(const std::vector<std::string>& overrides);
  /// The text as given, or, after overrides, a comment naming them and the document with
  /// them applied (for recording the scenario that was run).
  std::string effective_text() const;

  /// The top-level table.
  TomlTable root() const;
  /// Throws InputError for the first (by line) key that no getter has read, with the nearest
  /// key the program asked for at that level, and lists any further unknown keys.
  void check_all_used() const;
  /// Every key read so far, in the order first read, with the value in effect.
  std::vector<TomlEntry> effective_parameters() const;

  /// The file text as given, for echoing into outputs.
  const std::string& text() const;
  /// The file name used in messages.
  const std::string& name() const;
  /// Warnings recorded by TomlTable::warn, in order ("file:line: 'key' ...").
  std::vector<std::string> warnings() const;

 private:
  explicit TomlReader(std::shared_ptr<detail::TomlState> state);
  std::shared_ptr<detail::TomlState> state_;
};

/// \brief A view of one table of a TomlReader's document; knows its dotted path.
///
/// `get_*` throws when the key is missing; `query_*` returns the given default (in internal
/// units for quantities: µm, s). Every getter checks the TOML type and marks the key as read.
class TomlTable {
 public:
  /// Dotted path of this table ("" for the root, "layers[1]" for an array element).
  const std::string& path() const { return path_; }
  /// Line of the table header in the file (0 for the root table, or one made by an override).
  int line() const;
  /// The file name used in messages.
  const std::string& file_name() const;
  /// "file:line: " of this table's header ("file: " for the root, "file: --set KEY=VALUE: " for
  /// a table given by an override), to start a message.
  std::string where() const;

  /// Whether `key` is present. Does not count as reading it.
  bool has(const std::string& key) const;
  /// The keys present in this table, sorted.
  std::vector<std::string> keys() const;
  /// Line of `key` in the file, or 0 when absent (or given by an override).
  int line_of(const std::string& key) const;

  double get_double(const std::string& key) const;
  double query_double(const std::string& key, double default_value) const;
  int get_int(const std::string& key) const;
  int query_int(const std::string& key, int default_value) const;
  bool get_bool(const std::string& key) const;
  bool query_bool(const std::string& key, bool default_value) const;
  std::string get_string(const std::string& key) const;
  std::string query_string(const std::string& key, const std::string& default_value) const;

  /// A string with units ("1.5 mm") of dimension `dim`, in internal units. A bare number is
  /// accepted only when `dim` is dimensionless ("0.3" or "30 %" then both work).
  double get_quantity(const std::string& key, Dimension dim) const;
  double query_quantity(const std::string& key, Dimension dim, double default_internal) const;

  double get_length_um(const std::string& key) const;
  double query_length_um(const std::string& key, double default_um) const;
  double get_time_s(const std::string& key) const;
  double query_time_s(const std::string& key, double default_s) const;
  double get_diffusivity_um2_per_s(const std::string& key) const;
  double query_diffusivity_um2_per_s(const std::string& key, double default_um2_per_s) const;
  double get_rate_per_s(const std::string& key) const;
  double query_rate_per_s(const std::string& key, double default_per_s) const;
  double get_velocity_um_per_s(const std::string& key) const;
  double query_velocity_um_per_s(const std::string& key, double default_um_per_s) const;

  /// An array of strings with units, e.g. ["0 d", "42 d"], in internal units.
  std::vector<double> get_quantity_list(const std::string& key, Dimension dim) const;
  std::vector<double> get_time_list_s(const std::string& key) const;
  std::vector<double> query_time_list_s(const std::string& key,
                                        const std::vector<double>& default_s) const;
  std::vector<double> get_double_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;

  /// Whether the sub-table `key` is present (an error if `key` holds something else).
  bool has_table(const std::string& key) const;
  /// Whether `key` is present and holds a table (no error for other values).
  bool is_table(const std::string& key) const;
  /// The required sub-table `key`.
  TomlTable table(const std::string& key) const;
  /// The required array of tables `key` ([[layers]] or an array of inline tables).
  std::vector<TomlTable> array_of_tables(const std::string& key) const;
  /// As array_of_tables, but an absent key gives an empty list.
  std::vector<TomlTable> query_array_of_tables(const std::string& key) const;

  /// Marks `key` and everything below it as read, for sections consumed by someone else.
  void ignore(const std::string& key) const;

  /// Throws InputError unless lo <= value <= hi (value, lo, hi in internal units of `dim`):
  /// `scenario.toml:4: 'device.needle_length' = "50 mm" is out of range: must be between
  /// 100 um and 3 mm`. Use ±infinity for a one-sided bound.
  void require_range(const std::string& key, double value, double lo,
                     double hi = std::numeric_limits<double>::infinity(),
                     Dimension dim = dims::dimensionless) const;
  /// Throws InputError "file:line: 'full.key' <message>" for checks made by the caller.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  /// Records the warning "file:line: 'full.key' <message>" (see TomlReader::warnings); the
  /// run goes on.
  void warn(const std::string& key, const std::string& message) const;

 private:
  friend class TomlReader;
  TomlTable(std::shared_ptr<detail::TomlState> state, std::size_t node, std::string path);

  std::shared_ptr<detail::TomlState> state_;
  std::size_t node_ = 0;  ///< Index of this table in the state's node list.
  std::string path_;
};

}  // namespace skinheal
