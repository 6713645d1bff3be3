#include "engine/input/units.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <vector>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace {

constexpr double kMinute_s = 60.0;
constexpr double kHour_s = 3600.0;
constexpr double kDay_s = 86400.0;
constexpr double kWeek_s = 7.0 * kDay_s;
constexpr double kYear_s = 365.25 * kDay_s;  // Julian year
constexpr double kMonth_s = kYear_s / 12.0;  // 30.4375 d

/// One unit name and its value in internal units (µm, s).
struct UnitDef {
  std::string_view name;
  double factor;
  Dimension dim;
};

// "\u00b5m" is the micro sign, "\u03bcm" the Greek small letter mu; both are written.
constexpr std::array kUnits{
    UnitDef{"nm", 1e-3, dims::length},        UnitDef{"um", 1.0, dims::length},
    UnitDef{"\xc2\xb5m", 1.0, dims::length},  UnitDef{"\xce\xbcm", 1.0, dims::length},
    UnitDef{"micron", 1.0, dims::length},     UnitDef{"microns", 1.0, dims::length},
    UnitDef{"micrometre", 1.0, dims::length}, UnitDef{"micrometres", 1.0, dims::length},
    UnitDef{"micrometer", 1.0, dims::length}, UnitDef{"micrometers", 1.0, dims::length},
    UnitDef{"mm", 1e3, dims::length},         UnitDef{"cm", 1e4, dims::length},
    UnitDef{"m", 1e6, dims::length},          UnitDef{"s", 1.0, dims::time},
    UnitDef{"sec", 1.0, dims::time},          UnitDef{"secs", 1.0, dims::time},
    UnitDef{"second", 1.0, dims::time},       UnitDef{"seconds", 1.0, dims::time},
    UnitDef{"min", kMinute_s, dims::time},    UnitDef{"mins", kMinute_s, dims::time},
    UnitDef{"minute", kMinute_s, dims::time}, UnitDef{"minutes", kMinute_s, dims::time},
    UnitDef{"h", kHour_s, dims::time},        UnitDef{"hr", kHour_s, dims::time},
    UnitDef{"hrs", kHour_s, dims::time},      UnitDef{"hour", kHour_s, dims::time},
    UnitDef{"hours", kHour_s, dims::time},    UnitDef{"d", kDay_s, dims::time},
    UnitDef{"day", kDay_s, dims::time},       UnitDef{"days", kDay_s, dims::time},
    UnitDef{"wk", kWeek_s, dims::time},       UnitDef{"wks", kWeek_s, dims::time},
    UnitDef{"week", kWeek_s, dims::time},     UnitDef{"weeks", kWeek_s, dims::time},
    UnitDef{"month", kMonth_s, dims::time},   UnitDef{"months", kMonth_s, dims::time},
    UnitDef{"y", kYear_s, dims::time},        UnitDef{"yr", kYear_s, dims::time},
    UnitDef{"yrs", kYear_s, dims::time},      UnitDef{"year", kYear_s, dims::time},
    UnitDef{"years", kYear_s, dims::time},
};

constexpr int kMaxExponent = 12;

const UnitDef* find_unit(std::string_view name) {
  for (const UnitDef& u : kUnits)
    if (u.name == name) return &u;
  return nullptr;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// " (did you mean 'x'?)" for a close unit name, else "". Strict: a two-letter typo such as
/// "kg" must not turn into "m".
std::string unit_suggestion(std::string_view name) {
  const std::string lowered = lower(name);
  for (const UnitDef& u : kUnits)
    if (lower(u.name) == lowered) return " (did you mean '" + std::string(u.name) + "'?)";
  if (name.size() < 3) return "";
  const int limit = name.size() >= 6 ? 2 : 1;
  int best = limit + 1;
  std::string_view nearest;
  for (const UnitDef& u : kUnits) {
    const int d = edit_distance(lowered, std::string(u.name));
    // On a tie prefer the spelled-out name ("weks" -> "weeks", not "wks").
    if (d < best || (d == best && u.name.size() > nearest.size())) {
      best = d;
      nearest = u.name;
    }
  }
  if (nearest.empty()) return "";
  return " (did you mean '" + std::string(nearest) + "'?)";
}

/// The UTF-8 character starting at text[pos] for "unexpected 'x'" messages; a control
/// character or a byte that does not start a valid UTF-8 sequence is shown as \xNN.
std::string char_at(std::string_view text, std::size_t pos) {
  const unsigned char lead = static_cast<unsigned char>(text[pos]);
  std::size_t len = 0;
  if (lead >= 0x20 && lead < 0x7f) {
    len = 1;
  } else if (lead >= 0xc2 && lead < 0xe0) {
    len = 2;
  } else if (lead >= 0xe0 && lead < 0xf0) {
    len = 3;
  } else if (lead >= 0xf0 && lead < 0xf5) {
    len = 4;
  }
  bool valid = len > 0 && pos + len <= text.size();
  for (std::size_t k = 1; valid && k < len; ++k)
    valid = (static_cast<unsigned char>(text[pos + k]) & 0xc0) == 0x80;
  if (valid) return std::string(text.substr(pos, len));
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", lead);
  return buf;
}

/// The text on one line, control characters and bytes that are not UTF-8 escaped, shortened
/// when very long.
std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 60;
  std::string out;
  std::size_t i = 0;
  for (; i < text.size() && i < kMaxShown;) {
    const char c = text[i];
    if (c == '\n' || c == '\t' || c == '"') {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\\"";
      ++i;
      continue;
    }
    const std::string ch = char_at(text, i);
    out += ch;
    i += (ch.size() == 4 && ch[0] == '\\') ? 1 : ch.size();
  }
  if (i < text.size()) out += "...";
  return out;
}

/// The text in double quotes, made printable.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  out += printable(text);
  out += '"';
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Length of the micro sign or Greek mu at text[pos] (2 bytes), or 0.
std::size_t micro_at(std::string_view text, std::size_t pos) {
  if (pos + 1 >= text.size()) return 0;
  const std::string_view two = text.substr(pos, 2);
  return (two == "\xc2\xb5" || two == "\xce\xbc") ? 2 : 0;
}

/// A superscript exponent at text[pos] ("²", "³", "⁻¹", ...): sets exponent and advances pos.
bool superscript_at(std::string_view text, std::size_t& pos, int& exponent) {
  std::size_t p = pos;
  int sign = 1;
  if (text.substr(p, 3) == "\xe2\x81\xbb") {  // superscript minus
    sign = -1;
    p += 3;
  }
  const std::string_view two = text.substr(p, 2);
  int value = 0;
  if (two == "\xc2\xb9") {
    value = 1;
  } else if (two == "\xc2\xb2") {
    value = 2;
  } else if (two == "\xc2\xb3") {
    value = 3;
  } else {
    return false;
  }
  exponent = sign * value;
  pos = p + 2;
  return true;
}

/// Outcome of parsing: a quantity, or the reason the text is not one.
struct ParseResult {
  Quantity quantity;
  std::string error;          ///< Empty on success.
  bool unknown_unit = false;  ///< The error is an unknown unit name.
};

ParseResult fail(std::string reason, bool unknown_unit = false) {
  ParseResult r;
  r.error = std::move(reason);
  r.unknown_unit = unknown_unit;
  return r;
}

/// Parses a unit expression (the text after the number); multiplies into factor and dim.
ParseResult parse_unit_expression(std::string_view text) {
  ParseResult result;
  double factor = 1.0;
  Dimension dim = dims::dimensionless;
  std::size_t pos = 0;
  const std::size_t n = text.size();
  char op = '*';
  std::string previous;  // the previous term, for messages

  auto skip_spaces = [&] {
    while (pos < n && is_space(text[pos])) ++pos;
  };

  skip_spaces();
  if (pos < n && text[pos] == '/') {  // leading "per": "/d", "1/h"
    op = '/';
    ++pos;
    previous = "/";
  }
  while (true) {
    skip_spaces();
    if (pos >= n) return fail("missing unit after '" + previous + "'");
    const char c = text[pos];
    if (c == '(' || c == ')') return fail("parentheses are not supported in units");

    // One term: a unit name (or %) and an optional integer exponent.
    double term_factor = 1.0;
    Dimension term_dim = dims::dimensionless;
    std::string name;
    if (c == '%') {
      ++pos;
      name = "%";
      term_factor = 0.01;
    } else {
      const std::size_t start = pos;
      while (pos < n) {
        if (is_ascii_letter(text[pos])) {
          ++pos;
        } else if (const std::size_t m = micro_at(text, pos)) {
          pos += m;
        } else {
          break;
        }
      }
      name = std::string(text.substr(start, pos - start));
      if (name.empty()) {
        if (c == '*' || c == '/') return fail("missing unit before '" + std::string(1, c) + "'");
        return fail("unexpected '" + char_at(text, pos) + "' in the unit");
      }
      const UnitDef* unit = find_unit(name);
      if (!unit) return fail("unknown unit '" + name + "'" + unit_suggestion(name), true);
      term_factor = unit->factor;
      term_dim = unit->dim;
    }

    int exponent = 1;
    if (pos < n && text[pos] == '^') {
      ++pos;
      const std::size_t start = pos;
      if (pos < n && (text[pos] == '-' || text[pos] == '+')) ++pos;
      const std::size_t digits = pos;
      while (pos < n && is_digit(text[pos])) ++pos;
      if (pos == digits) return fail("missing integer exponent after '" + name + "^'");
      const std::string_view exp_text = text.substr(start, pos - start);
      if (exp_text.size() > 4) return fail("exponent '" + std::string(exp_text) + "' is too large");
      exponent = std::stoi(std::string(exp_text));
    } else if (pos < n &&
               (is_digit(text[pos]) || ((text[pos] == '-' || text[pos] == '+') && pos + 1 < n &&
                                        is_digit(text[pos + 1])))) {  // "cm2", "s-1"
      const std::size_t start = pos;
      ++pos;
      while (pos < n && is_digit(text[pos])) ++pos;
      const std::string_view exp_text = text.substr(start, pos - start);
      if (exp_text.size() > 4) return fail("exponent '" + std::string(exp_text) + "' is too large");
      exponent = std::stoi(std::string(exp_text));
    } else {
      superscript_at(text, pos, exponent);
    }
    if (pos < n && text[pos] == '.' && pos + 1 < n && is_digit(text[pos + 1]))
      return fail("fractional exponents are not supported ('" + name + "')");
    if (std::abs(exponent) > kMaxExponent)
      return fail("exponent " + std::to_string(exponent) + " of '" + name + "' is out of range");

    double power = 1.0;
    for (int i = 0; i < std::abs(exponent); ++i) power *= term_factor;
    if (exponent < 0) power = 1.0 / power;
    const Dimension powered{term_dim.length * exponent, term_dim.time * exponent};
    if (op == '*') {
      factor *= power;
      dim = dim * powered;
    } else {
      factor /= power;
      dim = dim / powered;
    }
    previous = name;

    skip_spaces();
    if (pos >= n) break;
    if (text[pos] == '*' || text[pos] == '/') {
      op = text[pos];
      previous = std::string(1, op);
      ++pos;
      continue;
    }
    if (text[pos] == '(' || text[pos] == ')') return fail("parentheses are not supported in units");
    return fail("unexpected '" + char_at(text, pos) + "' after '" + name +
                "'; join units with '*' or '/'");
  }
  result.quantity = {factor, dim};
  return result;
}

ParseResult parse_text(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && (is_space(text[begin]) || text[begin] == '\n' || text[begin] == '\r'))
    ++begin;
  while (end > begin && (is_space(text[end - 1]) || text[end - 1] == '\n' || text[end - 1] == '\r'))
    --end;
  text = text.substr(begin, end - begin);
  if (text.empty()) return fail("empty value");

  // The number. from_chars takes no leading '+'; it does take "inf" and "nan" (rejected below).
  std::size_t pos = 0;
  if (text[0] == '+') pos = 1;
  auto number_token = [&] {
    std::size_t stop = 0;
    while (stop < text.size() && !is_space(text[stop])) ++stop;
    return printable(text.substr(0, stop));
  };
  double number = 0.0;
  const char* first = text.data() + pos;
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, number, std::chars_format::general);
  if (ec == std::errc::invalid_argument) {
    if (pos < text.size() &&
        (is_ascii_letter(text[pos]) || text[pos] == '/' || text[pos] == '%' || micro_at(text, pos)))
      return fail("no number before the unit");
    return fail("malformed number '" + number_token() + "'");
  }
  if (ec == std::errc::result_out_of_range)
    return fail("number '" + number_token() + "' is out of range");
  if (!std::isfinite(number)) return fail("not a finite number");
  pos = static_cast<std::size_t>(ptr - text.data());
  if (pos < text.size()) {
    const char c = text[pos];
    if (c == ',')
      return fail("malformed number '" + number_token() + "' (use '.' as the decimal point)");
    if (is_digit(c) || c == '.' || c == '+' || c == '-' ||
        ((c == 'e' || c == 'E') && pos + 1 < text.size() &&
         (is_digit(text[pos + 1]) || text[pos + 1] == '-' || text[pos + 1] == '+')))
      return fail("malformed number '" + number_token() + "'");
  }
  while (pos < text.size() && is_space(text[pos])) ++pos;

  Quantity q{number, dims::dimensionless};
  if (pos < text.size()) {
    ParseResult unit = parse_unit_expression(text.substr(pos));
    if (!unit.error.empty()) return unit;
    q.value_internal = number * unit.quantity.value_internal;
    q.dim = unit.quantity.dim;
    if (!std::isfinite(q.value_internal))
      return fail("value is out of range once converted to internal units (um, s)");
  }
  ParseResult result;
  result.quantity = q;
  return result;
}

/// "%.<digits>g" of x.
std::string format_number(double x, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", std::clamp(digits, 1, 17), x);
  return buf;
}

/// "um^2*s^-1"-style unit for any dimension ("" when dimensionless).
std::string generic_unit(Dimension dim) {
  std::vector<std::string> terms;
  auto term = [&](const char* name, int exponent) {
    if (exponent == 0) return;
    terms.push_back(exponent == 1 ? std::string(name)
                                  : std::string(name) + "^" + std::to_string(exponent));
  };
  term("um", dim.length);
  term("s", dim.time);
  return join(terms, "*");
}

/// Value per unit time with the unit chosen so that the number is readable: "/s", "/min",
/// "/h" or "/d"; `numerator` is "" for rates and "um" for velocities.
std::string format_per_time(double value_per_s, const std::string& numerator, int digits) {
  struct Per {
    const char* name;
    double seconds;
  };
  constexpr std::array kPer{Per{"s", 1.0}, Per{"min", kMinute_s}, Per{"h", kHour_s}};
  const double magnitude = std::abs(value_per_s);
  for (const Per& per : kPer)
    if (magnitude * per.seconds >= 1.0)
      return format_number(value_per_s * per.seconds, digits) + " " + numerator + "/" + per.name;
  return format_number(value_per_s * kDay_s, digits) + " " + numerator + "/d";
}

}  // namespace

std::string dimension_name(Dimension dim) {
  if (dim == dims::dimensionless) return "a dimensionless number";
  if (dim == dims::length) return "a length";
  if (dim == dims::time) return "a time";
  if (dim == dims::area) return "an area";
  if (dim == dims::volume) return "a volume";
  if (dim == dims::diffusivity) return "a diffusivity";
  if (dim == dims::rate) return "a rate";
  if (dim == dims::velocity) return "a velocity";
  if (dim == Dimension{-3, 0}) return "a number density";
  std::string text = "a quantity of dimension";
  if (dim.length) text += " L^" + std::to_string(dim.length);
  if (dim.time) text += " T^" + std::to_string(dim.time);
  return text;
}

std::string dimension_examples(Dimension dim) {
  if (dim == dims::dimensionless) return "\"0.3\" or \"30 %\"";
  if (dim == dims::length) return "\"1.5 mm\" or \"250 um\"";
  if (dim == dims::time) return "\"42 d\" or \"6 weeks\"";
  if (dim == dims::area) return "\"1 mm^2\" or \"100 um^2\"";
  if (dim == dims::volume) return "\"1 mm^3\" or \"1000 um^3\"";
  if (dim == dims::diffusivity) return "\"3.3 um^2/s\" or \"2.88e-3 cm^2/day\"";
  if (dim == dims::rate) return "\"0.5 /d\" or \"0.1 /h\"";
  if (dim == dims::velocity) return "\"10 um/h\" or \"0.2 um/min\"";
  if (dim == Dimension{-3, 0}) return "\"1e-6 /um^3\" or \"1e5 /mm^3\"";
  return "\"1 " + generic_unit(dim) + "\"";
}

Quantity parse_quantity(const std::string& text) {
  const ParseResult r = parse_text(text);
  if (r.error.empty()) return r.quantity;
  std::string message = quoted(text) + ": " + r.error;
  if (r.unknown_unit) {
    message += "; known units: nm, um, mm, cm, m, s, min, h, d, weeks, months, years, %";
  } else {
    message += "; expected a number with an optional unit such as \"1.5 mm\" or \"42 d\"";
  }
  throw InputError(message);
}

double parse_in(const std::string& text, Dimension expected, const std::string& what) {
  const ParseResult r = parse_text(text);
  const std::string head = quoted(text) + " for '" + what + "': ";
  const std::string want = dimension_name(expected) + " such as " + dimension_examples(expected);
  if (!r.error.empty()) throw InputError(head + r.error + "; expected " + want);
  if (r.quantity.dim != expected) {
    const std::string got = r.quantity.dim == dims::dimensionless
                                ? "has no unit"
                                : "is " + dimension_name(r.quantity.dim);
    throw InputError(head + got + ", expected " + want);
  }
  return r.quantity.value_internal;
}

double parse_length_um(const std::string& text, const std::string& what) {
  return parse_in(text, dims::length, what);
}
double parse_time_s(const std::string& text, const std::string& what) {
  return parse_in(text, dims::time, what);
}
double parse_diffusivity_um2_per_s(const std::string& text, const std::string& what) {
  return parse_in(text, dims::diffusivity, what);
}
double parse_rate_per_s(const std::string& text, const std::string& what) {
  return parse_in(text, dims::rate, what);
}
double parse_velocity_um_per_s(const std::string& text, const std::string& what) {
  return parse_in(text, dims::velocity, what);
}

std::string format_duration(double seconds, int significant_digits) {
  if (std::isnan(seconds)) return "nan s";
  if (seconds < 0.0) {
    std::string positive = format_duration(-seconds, significant_digits);
    positive.insert(positive.begin(), '-');
    return positive;
  }
  if (std::isinf(seconds)) return "inf s";
  struct Span {
    double limit_s;  // use this unit below this duration
    double unit_s;
    const char* singular;
    const char* plural;
  };
  constexpr std::array kSpans{
      Span{kMinute_s, 1.0, "s", "s"},
      Span{kHour_s, kMinute_s, "min", "min"},
      Span{kDay_s, kHour_s, "h", "h"},
      Span{2.0 * kWeek_s, kDay_s, "d", "d"},
      Span{3.0 * kMonth_s, kWeek_s, "week", "weeks"},
      Span{2.0 * kYear_s, kMonth_s, "month", "months"},
  };
  auto in_unit = [&](const Span& span) {
    const std::string number = format_number(seconds / span.unit_s, significant_digits);
    return number + " " + (number == "1" ? span.singular : span.plural);
  };
  for (std::size_t i = 0; i < kSpans.size(); ++i) {
    if (seconds >= kSpans[i].limit_s) continue;
    auto whole = [](double x) { return std::abs(x - std::round(x)) <= 1e-9 * x; };
    // A whole number of the next larger unit reads better: "1 week", not "7 d".
    if (i + 1 < kSpans.size() && seconds >= kSpans[i + 1].unit_s &&
        whole(seconds / kSpans[i + 1].unit_s))
      return in_unit(kSpans[i + 1]);
    // A whole number of days that is no whole number of weeks or months stays in days:
    // "30 d" and "365 d", not "4.286 weeks" and "11.99 months".
    if (kSpans[i].unit_s > kDay_s && !whole(seconds / kSpans[i].unit_s) && whole(seconds / kDay_s))
      return std::to_string(std::llround(seconds / kDay_s)) + " d";  // exact, any digits
    return in_unit(kSpans[i]);
  }
  const std::string number = format_number(seconds / kYear_s, significant_digits);
  return number + (number == "1" ? " year" : " years");
}

std::string format_quantity(double value_internal, Dimension dim, int significant_digits) {
  const int d = significant_digits;
  if (dim == dims::time) return format_duration(value_internal, d);
  if (dim == dims::dimensionless) return format_number(value_internal, d);
  if (dim == dims::length) {
    const double magnitude = std::abs(value_internal);
    if (magnitude == 0.0) return "0 um";
    if (magnitude < 1.0) return format_number(value_internal * 1e3, d) + " nm";
    if (magnitude < 1e3) return format_number(value_internal, d) + " um";
    if (magnitude < 1e4) return format_number(value_internal * 1e-3, d) + " mm";
    return format_number(value_internal * 1e-4, d) + " cm";
  }
  if (dim == dims::rate) return format_per_time(value_internal, "", d);
  if (dim == dims::velocity) return format_per_time(value_internal, "um", d);
  if (dim == dims::diffusivity) return format_number(value_internal, d) + " um^2/s";
  return format_number(value_internal, d) + " " + generic_unit(dim);
}

}  // namespace skinheal
