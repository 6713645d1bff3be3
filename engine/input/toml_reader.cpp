#include "engine/input/toml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <utility>

#include <toml.hpp>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace detail {

/// The parsed document and the record of what the program read from it.
struct TomlState {
  std::string name;  ///< File name for messages.
  std::string text;  ///< File text as given.
  toml::value root;
  std::vector<const toml::value*> nodes;  ///< Tables handed out as TomlTable; [0] is the root.
  std::set<std::string> used;             ///< Full keys read, and tables entered.
  std::set<std::string> declared;         ///< Full keys the program asked for, present or not.
  std::set<std::string> ignored;          ///< Subtrees marked as read by ignore().
  std::vector<TomlEntry> entries;         ///< Effective parameters, in order first read.
  std::vector<std::string> warnings;      ///< From TomlTable::warn, in order.
  std::set<std::string> entry_keys;
  std::vector<std::string> overrides;  ///< "KEY=VALUE" of the --set overrides applied
};

}  // namespace detail

namespace {

using detail::TomlState;
using Value = toml::value;

constexpr std::size_t kMaxFileBytes = std::size_t{4} << 20;  // 4 MiB
constexpr std::size_t kMaxShown = 60;

/// Throws the InputError with control characters (from quoted TOML keys such as "a\nb")
/// escaped, so that every message stays on one line.
[[noreturn]] void raise(const std::string& message) {
  std::string line;
  for (const char c : message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      line += buf;
    } else {
      line += c;
    }
  }
  throw InputError(line);
}

std::string join_key(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string parent_of(const std::string& full) {
  const std::size_t dot = full.rfind('.');
  return dot == std::string::npos ? std::string() : full.substr(0, dot);
}

std::string leaf_of(const std::string& full) {
  const std::size_t dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

/// "layers[3].x" -> "layers[].x": array elements share their keys for suggestions.
std::string without_indices(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    out += path[i];
    if (path[i] == '[') {
      while (i + 1 < path.size() && path[i + 1] != ']') ++i;
    }
  }
  return out;
}

/// At most kMaxShown bytes (cut on a UTF-8 character boundary) and "..." when cut.
std::string shorten(std::string text) {
  if (text.size() <= kMaxShown) return text;
  std::size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

/// A TOML basic string: "..." with \\, \", \n, \t and other control characters escaped.
std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

/// The shortest text that reads back to x ("0.1", "1e-10", "inf", "nan").
std::string shortest(double x) {
  char buf[64];
  const auto result = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, result.ptr);
}

/// A default as it would be written in the file, precise enough to reproduce the value.
std::string echo_default(double value_internal, Dimension dim) {
  if (dim == dims::dimensionless) return shortest(value_internal);
  return toml_string(format_quantity(value_internal, dim, 15));
}

/// Values given by a --set override are parsed under the name "--set KEY=VALUE", which their
/// source location keeps: that is how messages tell them from the values of the file.
constexpr std::string_view kOverridePrefix = "--set ";

bool from_override(const Value& v) {
  return v.location().file_name().rfind(kOverridePrefix, 0) == 0;
}

/// The value's line in the file; 0 for a value that is not from the file (a --set override,
/// or a table made to hold one).
int line_of_value(const TomlState& s, const Value& v) {
  if (v.location().file_name() != s.name) return 0;
  return static_cast<int>(v.location().line());
}

/// "scenario.toml:12: ", or "scenario.toml: " when the line is unknown (0).
std::string where(const TomlState& s, int line) {
  return line > 0 ? s.name + ":" + std::to_string(line) + ": " : s.name + ": ";
}

/// Where `v` came from, to start a message: "scenario.toml:12: " for a value of the file,
/// "scenario.toml: --set grid.dx=\"abc\": " for one given by an override (the line would
/// point into text the user never saw), "scenario.toml: " when neither is known.
std::string where_of(const TomlState& s, const Value& v) {
  if (from_override(v)) return s.name + ": " + v.location().file_name() + ": ";
  return where(s, line_of_value(s, v));
}

/// "on line 4", or "given by --set a.b=1", for pointing at a value inside a message.
std::string place_of(const TomlState& s, const Value& v) {
  if (from_override(v)) return "given by " + v.location().file_name();
  return "on line " + std::to_string(line_of_value(s, v));
}

/// The value as it would be written in TOML, in full (for the echo of effective parameters).
std::string render_full(const Value& v) {
  if (v.is_string()) return toml_string(v.as_string().str);
  if (v.is_integer()) return std::to_string(v.as_integer());
  if (v.is_floating()) return shortest(v.as_floating());
  if (v.is_boolean()) return v.as_boolean() ? "true" : "false";
  if (v.is_array()) {
    std::vector<std::string> items;
    for (const Value& item : v.as_array()) items.push_back(render_full(item));
    return "[" + join(items, ", ") + "]";
  }
  if (v.is_table()) return "{...}";
  std::ostringstream out;
  out << v;
  return out.str();
}

/// The value as it would be written in TOML, shortened for messages.
std::string render(const Value& v) {
  return shorten(render_full(v));
}

/// "a boolean (true)", "a string (\"abc\")", "a table", ...
std::string describe(const Value& v) {
  switch (v.type()) {
    case toml::value_t::boolean:
      return "a boolean (" + render(v) + ")";
    case toml::value_t::integer:
      return "an integer (" + render(v) + ")";
    case toml::value_t::floating:
      return "a float (" + render(v) + ")";
    case toml::value_t::string:
      return "a string (" + render(v) + ")";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    default:
      return "a date/time (" + render(v) + ")";
  }
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (parts.back().empty()) throw std::invalid_argument("TomlTable: malformed key '" + key + "'");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

/// Where a (possibly dotted) key leads from a table.
struct Lookup {
  const Value* value = nullptr;  ///< The value at the key, or nullptr when absent.
  std::string full;              ///< Full dotted key.
  const Value* table = nullptr;  ///< The deepest table reached on the way.
  std::string table_path;
  bool at_root = true;                     ///< `table` is the root table.
  std::vector<std::string> intermediates;  ///< Tables entered on the way.
};

Lookup lookup(const TomlState& s, std::size_t node, const std::string& path,
              const std::string& key) {
  Lookup r;
  r.full = join_key(path, key);
  r.table = s.nodes.at(node);
  r.table_path = path;
  r.at_root = node == 0;
  const std::vector<std::string> parts = split_key(key);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& table = r.table->as_table();
    const auto it = table.find(parts[i]);
    if (it == table.end()) return r;
    if (i + 1 == parts.size()) {
      r.value = &it->second;
      return r;
    }
    const std::string sub = join_key(r.table_path, parts[i]);
    if (!it->second.is_table())
      raise(where_of(s, it->second) + "'" + sub + "' is " + describe(it->second) +
            ", not a table, so '" + r.full + "' cannot be read");
    r.intermediates.push_back(sub);
    r.table = &it->second;
    r.table_path = sub;
    r.at_root = false;
  }
  return r;
}

/// "file:line: " (or the --set override) of the deepest table a lookup reached.
std::string where_table(const TomlState& s, const Lookup& r) {
  return r.at_root ? where(s, 0) : where_of(s, *r.table);
}

/// Where a message about the key of a lookup starts: at the value, or at its table when absent.
std::string where_key(const TomlState& s, const Lookup& r) {
  return r.value ? where_of(s, *r.value) : where_table(s, r);
}

void mark_used(TomlState& s, const Lookup& r) {
  s.used.insert(r.full);
  for (const std::string& t : r.intermediates) s.used.insert(t);
}

void record(TomlState& s, const std::string& full, std::string value, bool from_default) {
  if (s.entry_keys.insert(full).second) s.entries.push_back({full, std::move(value), from_default});
}

/// "; is 'device.needle_lenght' on line 4 a typo?" when a present key is close to the missing
/// one.
std::string typo_hint(const TomlState& s, const Lookup& r) {
  if (r.table_path != parent_of(r.full)) return "";  // the parent table itself is missing
  const std::string leaf = leaf_of(r.full);
  const int limit = std::max<int>(2, static_cast<int>(leaf.size()) / 3);
  int best = limit + 1;
  std::string nearest;
  std::string nearest_place;
  for (const auto& [key, value] : r.table->as_table()) {
    const int d = edit_distance(leaf, key);
    if (d < best || (d == best && key < nearest)) {
      best = d;
      nearest = key;
      nearest_place = place_of(s, value);
    }
  }
  if (nearest.empty()) return "";
  return "; is '" + join_key(r.table_path, nearest) + "' " + nearest_place + " a typo?";
}

const Value& require_value(TomlState& s, const Lookup& r, const std::string& kind) {
  s.declared.insert(r.full);
  if (!r.value)
    raise(where_table(s, r) + "missing required key '" + r.full + "', " + kind + typo_hint(s, r));
  mark_used(s, r);
  return *r.value;
}

const Value* optional_value(TomlState& s, const Lookup& r) {
  s.declared.insert(r.full);
  if (!r.value) return nullptr;
  mark_used(s, r);
  return r.value;
}

[[noreturn]] void type_error(const TomlState& s, const Value& v, const std::string& full,
                             const std::string& kind) {
  raise(where_of(s, v) + "'" + full + "' must be " + kind + ", got " + describe(v));
}

double number_of(const TomlState& s, const Value& v, const std::string& full) {
  if (v.is_integer()) {
    const std::int64_t i = v.as_integer();
    // toml11 saturates integers that do not fit into 64 bits.
    if (i == INT64_MAX || i == INT64_MIN)
      raise(where_of(s, v) + "'" + full + "' = " + render(v) + " is out of range");
    return static_cast<double>(i);
  }
  if (v.is_floating()) {
    const double x = v.as_floating();
    if (!std::isfinite(x)) type_error(s, v, full, "a finite number");
    return x;
  }
  type_error(s, v, full, "a number");
}

int int_of(const TomlState& s, const Value& v, const std::string& full) {
  if (v.is_integer()) {
    const std::int64_t i = v.as_integer();
    if (i < INT_MIN || i > INT_MAX)
      raise(where_of(s, v) + "'" + full + "' = " + render(v) +
            " is out of range for an integer (at most " + std::to_string(INT_MAX) + ")");
    return static_cast<int>(i);
  }
  if (v.is_floating()) {  // 64.0 is accepted, 64.5 is not
    const double x = v.as_floating();
    if (std::isfinite(x) && x == std::floor(x) && x >= INT_MIN && x <= INT_MAX)
      return static_cast<int>(x);
  }
  type_error(s, v, full, "an integer");
}

bool bool_of(const TomlState& s, const Value& v, const std::string& full) {
  if (!v.is_boolean()) type_error(s, v, full, "true or false");
  return v.as_boolean();
}

std::string string_of(const TomlState& s, const Value& v, const std::string& full) {
  if (!v.is_string()) type_error(s, v, full, "a string");
  return v.as_string().str;
}

std::string quantity_kind(Dimension dim) {
  if (dim == dims::dimensionless) return "a number or a string such as " + dimension_examples(dim);
  return "a string with units such as " + dimension_examples(dim);
}

double quantity_of(const TomlState& s, const Value& v, const std::string& full, Dimension dim) {
  if (v.is_string()) {
    try {
      return parse_in(v.as_string().str, dim, full);
    } catch (const InputError& e) {
      raise(where_of(s, v) + e.what());
    }
  }
  if (v.is_integer() || v.is_floating()) {
    if (dim == dims::dimensionless) return number_of(s, v, full);
    raise(where_of(s, v) + "'" + full + "' = " + render(v) + " has no unit; write " +
          dimension_name(dim) + " as a string with units such as " + dimension_examples(dim));
  }
  type_error(s, v, full, quantity_kind(dim));
}

const std::vector<Value>& array_of(const TomlState& s, const Value& v, const std::string& full,
                                   const std::string& kind) {
  if (!v.is_array()) type_error(s, v, full, kind);
  return v.as_array();
}

std::string element_key(const std::string& full, std::size_t i) {
  return full + "[" + std::to_string(i) + "]";
}

// --- file checks -------------------------------------------------------------------------

/// Offset of the first byte that is not valid UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > s.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::string_view::npos;
}

/// The deepest nesting of arrays and inline tables ([ and { outside strings and comments), and
/// the line where it first exceeds `limit` (0 when it never does). toml11 parses nested values
/// recursively: a file of 10 000 '[' would otherwise overflow the stack.
int line_of_deep_nesting(std::string_view text, int limit) {
  int depth = 0, line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto starts = [&](std::string_view token) { return text.substr(i, token.size()) == token; };
  while (i < n) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '#') {
      while (i < n && text[i] != '\n') ++i;
    } else if (starts("\"\"\"") || starts("'''")) {
      const std::string_view close = text.substr(i, 3);
      i += 3;
      while (i < n && !starts(close)) {
        if (close[0] == '"' && text[i] == '\\' && i + 1 < n && text[i + 1] != '\n') ++i;
        if (text[i] == '\n') ++line;
        ++i;
      }
      i += 3;
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < n && text[i] != c && text[i] != '\n') {
        if (c == '"' && text[i] == '\\' && i + 1 < n && text[i + 1] != '\n') ++i;
        ++i;
      }
      if (i < n && text[i] == c) ++i;
    } else {
      if (c == '[' || c == '{') {
        if (++depth > limit) return line;
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
      ++i;
    }
  }
  return 0;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

/// Removes ANSI colour sequences (toml11 may colour its messages).
std::string strip_ansi(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && text[i] != 'm') ++i;
      continue;
    }
    out += text[i];
  }
  return out;
}

/// toml11's multi-line "[error] toml::parse_table: invalid line format\n --> f\n | ..." as
/// one line: "f:3: TOML syntax error: invalid line format (in: a = = 1)".
std::string condense_syntax_error(const std::string& name, const std::string& what, int line,
                                  const std::string& line_text) {
  std::string message = first_line(strip_ansi(what));
  const std::string tag = "[error] ";
  if (message.rfind(tag, 0) == 0) message.erase(0, tag.size());
  // Drop a leading function name such as "toml::parse_table: " or "parse_ml_basic_string: ".
  const std::size_t colon = message.find(": ");
  if (colon != std::string::npos &&
      std::all_of(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(colon),
                  [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
                  }))
    message.erase(0, colon + 2);
  std::string text = line_text;
  text.erase(0, std::min(text.find_first_not_of(" \t"), text.size()));
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  std::string out =
      (line > 0 ? name + ":" + std::to_string(line) : name) + ": TOML syntax error: " + message;
  if (!text.empty()) out += " (in: " + shorten(text) + ")";
  return out;
}

/// A key no getter read: overrides first, then by line.
struct Unknown {
  bool from_file = false;
  int line = 0;
  std::string full;
  const Value* value = nullptr;
  bool operator<(const Unknown& o) const {
    return std::tie(from_file, line, full) < std::tie(o.from_file, o.line, o.full);
  }
};

void collect_unknown(const TomlState& s, const Value& table, const std::string& path,
                     std::vector<Unknown>& unknown) {
  for (const auto& [key, value] : table.as_table()) {
    const std::string full = join_key(path, key);
    const bool ignored = std::any_of(s.ignored.begin(), s.ignored.end(), [&](const auto& ig) {
      return full == ig || full.rfind(ig + ".", 0) == 0 || full.rfind(ig + "[", 0) == 0;
    });
    if (ignored) continue;
    if (!s.used.count(full)) {
      unknown.push_back({!from_override(value), line_of_value(s, value), full, &value});
      continue;
    }
    if (value.is_table()) {
      collect_unknown(s, value, full, unknown);
    } else if (value.is_array()) {
      const auto& items = value.as_array();
      for (std::size_t i = 0; i < items.size(); ++i)
        if (items[i].is_table()) collect_unknown(s, items[i], element_key(full, i), unknown);
    }
  }
}

/// "; did you mean 'device.needle_length'?" from the keys the program asked for at the level of
/// `full` (array elements pooled).
std::string suggestion_for(const TomlState& s, const std::string& full) {
  const std::string parent = parent_of(full);
  const std::string level = without_indices(parent);
  std::set<std::string> candidates;
  auto consider = [&](const std::string& known) {
    if (without_indices(parent_of(known)) != level) return;
    const std::string candidate = join_key(parent, leaf_of(known));
    if (candidate != full) candidates.insert(candidate);
  };
  for (const std::string& k : s.declared) consider(k);
  for (const std::string& k : s.used) consider(k);
  return suggest_nearest(full, {candidates.begin(), candidates.end()});
}

}  // namespace

// --- TomlReader --------------------------------------------------------------------------

TomlReader::TomlReader(std::shared_ptr<detail::TomlState> state) : state_(std::move(state)) {}

TomlReader TomlReader::from_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) raise(path + ": no such file");
  if (fs::is_directory(status)) raise(path + ": is a directory, not a scenario file");
  if (fs::is_regular_file(status)) {
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > kMaxFileBytes)
      raise(path + ": file is " + std::to_string(size) +
            " bytes; scenario files are limited to 4 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) raise(path + ": cannot be read (" + std::strerror(errno) + ")");
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes)
      raise(path + ": file is larger than 4 MiB; scenario files are limited to 4 MiB");
  }
  if (in.bad()) raise(path + ": read error");
  return from_string(text, path);
}

TomlReader TomlReader::from_string(const std::string& text, const std::string& name) {
  if (text.size() > kMaxFileBytes)
    raise(name + ": file is larger than 4 MiB; scenario files are limited to 4 MiB");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) raise(name + ": file is empty");
  if (const std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + bad, '\n');
    const std::size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const std::size_t column =
        line_start == std::string::npos || bad == 0 ? bad + 1 : bad - line_start;
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
    raise(name + ":" + std::to_string(line) + ": not valid UTF-8 (byte " + byte + " at column " +
          std::to_string(column) + "); save the file as UTF-8");
  }
  constexpr int kMaxNesting = 64;
  if (const int line = line_of_deep_nesting(text, kMaxNesting))
    raise(name + ":" + std::to_string(line) + ": arrays or inline tables nested more than " +
          std::to_string(kMaxNesting) + " deep; scenario files need a few levels at most");
  auto state = std::make_shared<detail::TomlState>();
  state->name = name;
  state->text = text;
  std::istringstream in(text);
  try {
    state->root = toml::parse(in, name);
  } catch (const toml::exception& e) {
    raise(condense_syntax_error(name, e.what(), static_cast<int>(e.location().line()),
                                e.location().line_str()));
  } catch (const std::exception& e) {
    raise(name + ": TOML syntax error: " + first_line(strip_ansi(e.what())));
  }
  state->nodes.push_back(&state->root);
  return TomlReader(std::move(state));
}

namespace {

/// One part of an override key: "fields[1]" is {"fields", 1}; "end" is {"end", -1}.
struct KeyPart {
  std::string name;
  long index = -1;
};

/// Splits "fields[0].decay" into parts; empty when the key is malformed.
std::vector<KeyPart> split_override_key(const std::string& key) {
  std::vector<KeyPart> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = key.find('.', start);
    const std::string text = key.substr(start, dot == std::string::npos ? dot : dot - start);
    KeyPart part;
    std::size_t i = 0;
    while (i < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '-'))
      ++i;
    part.name = text.substr(0, i);
    if (part.name.empty()) return {};
    if (i < text.size()) {
      if (text[i] != '[' || text.back() != ']' || text.size() - i < 3 || text.size() - i > 8)
        return {};
      const std::string digits = text.substr(i + 1, text.size() - i - 2);
      if (digits.find_first_not_of("0123456789") != std::string::npos) return {};
      part.index = std::stol(digits);
    }
    parts.push_back(part);
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

/// Applies one "KEY=VALUE" override to the document. The value (and any table made to hold
/// it) is parsed under the name "--set KEY=VALUE", so that messages about it name the override.
void apply_override(TomlState& s, const std::string& o) {
  const std::string label = std::string(kOverridePrefix) + shorten(o);
  const auto eq = o.find('=');
  if (eq == std::string::npos || eq == 0)
    raise(s.name + ": " + label + ": expected KEY=VALUE, e.g. --set 'time.end=\"2 d\"'");
  const std::string key = o.substr(0, eq);
  const std::vector<KeyPart> parts = split_override_key(key);
  if (parts.empty())
    raise(s.name + ": " + label + ": '" + shorten(key) +
          "' is not a dotted key of letters, digits, '_' and '-' (such as time.end, or "
          "fields[0].decay for an array of tables)");
  // Under the override's name, so that every value from it says where it came from.
  auto parse_as_override = [&](const std::string& value_text) {
    std::istringstream in("v = " + value_text);
    return toml::parse(in, label).as_table().at("v");
  };
  Value value;
  try {
    value = parse_as_override(o.substr(eq + 1));
  } catch (const std::exception&) {
    // The suggestion quotes what was given (a value with a unit is a TOML string; a list of
    // them, given with commas, an array of strings).
    const std::string raw = o.substr(eq + 1);
    const std::string given = trim(raw.substr(0, raw.find('#')));
    const bool quotable = !given.empty() && given.size() <= 60 &&
                          given.find_first_of("\"'\\\n[]{}=") == std::string::npos;
    std::string suggestion = "\"1.5 mm\"";
    if (quotable && given.find(',') == std::string::npos) {
      suggestion = "\"" + given + "\"";
    } else if (quotable) {
      suggestion.clear();
      std::istringstream items(given);
      for (std::string item; std::getline(items, item, ',');)
        if (!trim(item).empty())
          suggestion += (suggestion.empty() ? "\"" : ", \"") + trim(item) + "\"";
      suggestion = "[" + suggestion + "]";
    }
    raise(s.name + ": " + label + ": the value is not valid TOML (quote strings with units: " +
          shorten(key) + "='" + suggestion + "')");
  }
  Value* node = &s.root;
  std::string done;  // the key so far, for messages
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const KeyPart& part = parts[i];
    const bool last = i + 1 == parts.size();
    if (!node->is_table()) raise(s.name + ": " + label + ": '" + done + "' is not a table");
    auto& table = node->as_table();
    done += (done.empty() ? "" : ".") + part.name;
    if (part.index < 0) {
      if (last) {
        table[part.name] = value;
        return;
      }
      if (!table.count(part.name)) table[part.name] = parse_as_override("{}");
      node = &table[part.name];
      continue;
    }
    const auto it = table.find(part.name);
    if (it == table.end() || !it->second.is_array())
      raise(s.name + ": " + label + ": '" + done +
            "' is not an array in the scenario, so it has no [" + std::to_string(part.index) + "]" +
            (done == "layers" ? " (skin scenarios take their layers from skin.site)" : ""));
    auto& items = it->second.as_array();
    if (static_cast<std::size_t>(part.index) >= items.size())
      raise(s.name + ": " + label + ": '" + done + "' has " + std::to_string(items.size()) +
            " entries; the index must be below " + std::to_string(items.size()));
    done += "[" + std::to_string(part.index) + "]";
    if (last) {
      items[part.index] = value;
      return;
    }
    node = &items[part.index];
  }
}

}  // namespace

void TomlReader::apply_overrides(const std::vector<std::string>& overrides) {
  TomlState& s = *state_;
  if (s.nodes.size() > 1)
    throw std::logic_error("TomlReader::apply_overrides after tables were handed out");
  for (const std::string& o : overrides) {
    apply_override(s, o);
    s.overrides.push_back(o);
  }
}

std::string TomlReader::effective_text() const {
  const TomlState& s = *state_;
  if (s.overrides.empty()) return s.text;
  std::ostringstream out;
  std::string header = "# " + s.name + " with --set " + join(s.overrides, " --set ");
  for (char& c : header)
    if (c == '\n' || c == '\r') c = ' ';  // a multi-line string value must not end the comment
  out << header << "\n";
  // The file's opening comment block (its description) survives the re-serialisation, which
  // keeps no comments: `skinheal info` shows it under the header.
  std::istringstream original(s.text);
  for (std::string line; std::getline(original, line);) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] != '#') break;
    out << line.substr(b) << "\n";
  }
  out << s.root;
  return out.str();
}

TomlTable TomlReader::root() const {
  return TomlTable(state_, 0, "");
}

void TomlReader::check_all_used() const {
  const TomlState& s = *state_;
  std::vector<Unknown> unknown;
  collect_unknown(s, s.root, "", unknown);
  if (unknown.empty()) return;
  std::sort(unknown.begin(), unknown.end());
  const Unknown& first = unknown.front();
  std::string message = where_of(s, *first.value) + "unknown key '" + first.full + "'" +
                        suggestion_for(s, first.full);
  if (unknown.size() > 1) {
    std::vector<std::string> others;
    for (std::size_t i = 1; i < unknown.size(); ++i)
      others.push_back(
          "'" + unknown[i].full + "' (" +
          (unknown[i].from_file ? "line " + std::to_string(unknown[i].line) : "--set") + ")");
    message += " (also unknown: " + join(others, ", ") + ")";
  }
  raise(message);
}

std::vector<TomlEntry> TomlReader::effective_parameters() const {
  return state_->entries;
}
const std::string& TomlReader::text() const {
  return state_->text;
}
const std::string& TomlReader::name() const {
  return state_->name;
}
std::vector<std::string> TomlReader::warnings() const {
  return state_->warnings;
}

// --- TomlTable ---------------------------------------------------------------------------

TomlTable::TomlTable(std::shared_ptr<detail::TomlState> state, std::size_t node, std::string path)
    : state_(std::move(state)), node_(node), path_(std::move(path)) {}

int TomlTable::line() const {
  return node_ == 0 ? 0 : line_of_value(*state_, *state_->nodes.at(node_));
}

bool TomlTable::has(const std::string& key) const {
  const Lookup r = lookup(*state_, node_, path_, key);
  state_->declared.insert(r.full);
  return r.value != nullptr;
}

std::vector<std::string> TomlTable::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : state_->nodes.at(node_)->as_table()) out.push_back(key);
  std::sort(out.begin(), out.end());
  return out;
}

int TomlTable::line_of(const std::string& key) const {
  const Lookup r = lookup(*state_, node_, path_, key);
  return r.value ? line_of_value(*state_, *r.value) : 0;
}

namespace {

/// Reads a required key with `convert(value, full_key)` and records it.
template <class Convert>
auto read_required(TomlState& s, std::size_t node, const std::string& path, const std::string& key,
                   const std::string& kind, Convert convert) {
  const Lookup r = lookup(s, node, path, key);
  const Value& v = require_value(s, r, kind);
  auto result = convert(v, r.full);
  record(s, r.full, render_full(v), false);
  return result;
}

/// Reads an optional key, or returns (and records) the default.
template <class T, class Convert>
T read_optional(TomlState& s, std::size_t node, const std::string& path, const std::string& key,
                T default_value, const std::string& default_text, Convert convert) {
  const Lookup r = lookup(s, node, path, key);
  const Value* v = optional_value(s, r);
  if (!v) {
    record(s, r.full, default_text, true);
    return default_value;
  }
  T result = convert(*v, r.full);
  record(s, r.full, render_full(*v), false);
  return result;
}

}  // namespace

double TomlTable::get_double(const std::string& key) const {
  TomlState& s = *state_;
  return read_required(
      s, node_, path_, key, "a number",
      [&](const Value& v, const std::string& full) { return number_of(s, v, full); });
}

double TomlTable::query_double(const std::string& key, double default_value) const {
  TomlState& s = *state_;
  return read_optional(
      s, node_, path_, key, default_value, shortest(default_value),
      [&](const Value& v, const std::string& full) { return number_of(s, v, full); });
}

int TomlTable::get_int(const std::string& key) const {
  TomlState& s = *state_;
  return read_required(s, node_, path_, key, "an integer",
                       [&](const Value& v, const std::string& full) { return int_of(s, v, full); });
}

int TomlTable::query_int(const std::string& key, int default_value) const {
  TomlState& s = *state_;
  return read_optional(s, node_, path_, key, default_value, std::to_string(default_value),
                       [&](const Value& v, const std::string& full) { return int_of(s, v, full); });
}

bool TomlTable::get_bool(const std::string& key) const {
  TomlState& s = *state_;
  return read_required(
      s, node_, path_, key, "true or false",
      [&](const Value& v, const std::string& full) { return bool_of(s, v, full); });
}

bool TomlTable::query_bool(const std::string& key, bool default_value) const {
  TomlState& s = *state_;
  return read_optional(
      s, node_, path_, key, default_value, default_value ? "true" : "false",
      [&](const Value& v, const std::string& full) { return bool_of(s, v, full); });
}

std::string TomlTable::get_string(const std::string& key) const {
  TomlState& s = *state_;
  return read_required(
      s, node_, path_, key, "a string",
      [&](const Value& v, const std::string& full) { return string_of(s, v, full); });
}

std::string TomlTable::query_string(const std::string& key,
                                    const std::string& default_value) const {
  TomlState& s = *state_;
  return read_optional(
      s, node_, path_, key, default_value, toml_string(default_value),
      [&](const Value& v, const std::string& full) { return string_of(s, v, full); });
}

double TomlTable::get_quantity(const std::string& key, Dimension dim) const {
  TomlState& s = *state_;
  return read_required(
      s, node_, path_, key, dimension_name(dim) + " such as " + dimension_examples(dim),
      [&](const Value& v, const std::string& full) { return quantity_of(s, v, full, dim); });
}

double TomlTable::query_quantity(const std::string& key, Dimension dim,
                                 double default_internal) const {
  TomlState& s = *state_;
  return read_optional(
      s, node_, path_, key, default_internal, echo_default(default_internal, dim),
      [&](const Value& v, const std::string& full) { return quantity_of(s, v, full, dim); });
}

double TomlTable::get_length_um(const std::string& key) const {
  return get_quantity(key, dims::length);
}
double TomlTable::query_length_um(const std::string& key, double default_um) const {
  return query_quantity(key, dims::length, default_um);
}
double TomlTable::get_time_s(const std::string& key) const {
  return get_quantity(key, dims::time);
}
double TomlTable::query_time_s(const std::string& key, double default_s) const {
  return query_quantity(key, dims::time, default_s);
}
double TomlTable::get_diffusivity_um2_per_s(const std::string& key) const {
  return get_quantity(key, dims::diffusivity);
}
double TomlTable::query_diffusivity_um2_per_s(const std::string& key,
                                              double default_um2_per_s) const {
  return query_quantity(key, dims::diffusivity, default_um2_per_s);
}
double TomlTable::get_rate_per_s(const std::string& key) const {
  return get_quantity(key, dims::rate);
}
double TomlTable::query_rate_per_s(const std::string& key, double default_per_s) const {
  return query_quantity(key, dims::rate, default_per_s);
}
double TomlTable::get_velocity_um_per_s(const std::string& key) const {
  return get_quantity(key, dims::velocity);
}
double TomlTable::query_velocity_um_per_s(const std::string& key, double default_um_per_s) const {
  return query_quantity(key, dims::velocity, default_um_per_s);
}

std::vector<double> TomlTable::get_quantity_list(const std::string& key, Dimension dim) const {
  TomlState& s = *state_;
  const std::string kind = dim == dims::dimensionless
                               ? "an array of numbers"
                               : "an array of strings with units, each " + dimension_name(dim) +
                                     " such as " + dimension_examples(dim);
  return read_required(s, node_, path_, key, kind, [&](const Value& v, const std::string& full) {
    std::vector<double> out;
    const auto& items = array_of(s, v, full, kind);
    for (std::size_t i = 0; i < items.size(); ++i)
      out.push_back(quantity_of(s, items[i], element_key(full, i), dim));
    return out;
  });
}

std::vector<double> TomlTable::get_time_list_s(const std::string& key) const {
  return get_quantity_list(key, dims::time);
}

std::vector<double> TomlTable::query_time_list_s(const std::string& key,
                                                 const std::vector<double>& default_s) const {
  if (!has(key)) {
    std::vector<std::string> items;
    for (const double t : default_s) items.push_back(toml_string(format_duration(t, 15)));
    record(*state_, join_key(path_, key), "[" + join(items, ", ") + "]", true);
    return default_s;
  }
  return get_time_list_s(key);
}

std::vector<double> TomlTable::get_double_list(const std::string& key) const {
  TomlState& s = *state_;
  const std::string kind = "an array of numbers";
  return read_required(s, node_, path_, key, kind, [&](const Value& v, const std::string& full) {
    std::vector<double> out;
    const auto& items = array_of(s, v, full, kind);
    for (std::size_t i = 0; i < items.size(); ++i)
      out.push_back(number_of(s, items[i], element_key(full, i)));
    return out;
  });
}

std::vector<std::string> TomlTable::get_string_list(const std::string& key) const {
  TomlState& s = *state_;
  const std::string kind = "an array of strings";
  return read_required(s, node_, path_, key, kind, [&](const Value& v, const std::string& full) {
    std::vector<std::string> out;
    const auto& items = array_of(s, v, full, kind);
    for (std::size_t i = 0; i < items.size(); ++i)
      out.push_back(string_of(s, items[i], element_key(full, i)));
    return out;
  });
}

bool TomlTable::has_table(const std::string& key) const {
  TomlState& s = *state_;
  const Lookup r = lookup(s, node_, path_, key);
  s.declared.insert(r.full);
  if (!r.value) return false;
  if (!r.value->is_table()) type_error(s, *r.value, r.full, "a table");
  return true;
}

bool TomlTable::is_table(const std::string& key) const {
  TomlState& s = *state_;
  const Lookup r = lookup(s, node_, path_, key);
  s.declared.insert(r.full);
  return r.value && r.value->is_table();
}

TomlTable TomlTable::table(const std::string& key) const {
  TomlState& s = *state_;
  const Lookup r = lookup(s, node_, path_, key);
  const Value& v = require_value(s, r, "a table [" + r.full + "]");
  if (!v.is_table()) type_error(s, v, r.full, "a table");
  s.nodes.push_back(&v);
  return TomlTable(state_, s.nodes.size() - 1, r.full);
}

std::vector<TomlTable> TomlTable::array_of_tables(const std::string& key) const {
  TomlState& s = *state_;
  const Lookup r = lookup(s, node_, path_, key);
  const std::string kind = "an array of tables [[" + r.full + "]]";
  const Value& v = require_value(s, r, kind);
  const auto& items = array_of(s, v, r.full, kind);
  std::vector<TomlTable> out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string element = element_key(r.full, i);
    if (!items[i].is_table()) type_error(s, items[i], element, "a table");
    s.nodes.push_back(&items[i]);
    out.push_back(TomlTable(state_, s.nodes.size() - 1, element));
  }
  return out;
}

std::vector<TomlTable> TomlTable::query_array_of_tables(const std::string& key) const {
  if (!has(key)) return {};
  return array_of_tables(key);
}

void TomlTable::ignore(const std::string& key) const {
  const std::string full = join_key(path_, key);
  state_->ignored.insert(full);
  state_->declared.insert(full);
}

void TomlTable::require_range(const std::string& key, double value, double lo, double hi,
                              Dimension dim) const {
  if (value >= lo && value <= hi) return;
  const Lookup r = lookup(*state_, node_, path_, key);
  const std::string shown =
      r.value ? render(*r.value) : format_quantity(value, dim) + " (the default)";
  std::string bound;
  if (std::isinf(lo) && lo < 0) {
    bound = "must be at most " + format_quantity(hi, dim);
  } else if (std::isinf(hi) && hi > 0) {
    bound = "must be at least " + format_quantity(lo, dim);
  } else {
    bound = "must be between " + format_quantity(lo, dim) + " and " + format_quantity(hi, dim);
  }
  raise(where_key(*state_, r) + "'" + r.full + "' = " + shown + " is out of range: " + bound);
}

void TomlTable::fail(const std::string& key, const std::string& message) const {
  const Lookup r = lookup(*state_, node_, path_, key);
  raise(where_key(*state_, r) + "'" + r.full + "' " + message);
}

void TomlTable::warn(const std::string& key, const std::string& message) const {
  const Lookup r = lookup(*state_, node_, path_, key);
  state_->warnings.push_back(where_key(*state_, r) + "'" + r.full + "' " + message);
}

const std::string& TomlTable::file_name() const {
  return state_->name;
}

std::string TomlTable::where() const {
  if (node_ == 0) return ::skinheal::where(*state_, 0);
  return where_of(*state_, *state_->nodes.at(node_));
}

}  // namespace skinheal
