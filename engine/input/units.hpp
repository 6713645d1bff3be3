/// \file units.hpp
/// \brief Physical quantities written as text ("1.5 mm", "6 weeks", "3.3 um^2/s"), parsed into
/// the engine's internal units and checked against the dimension the caller expects.
///
/// Internal units: length in micrometres (µm), time in seconds (s). Every other quantity is
/// a product of those: diffusivity µm²/s, rate 1/s, velocity µm/s.
///
/// Grammar of a quantity: `number [unit-expression]`, where the number is a decimal such as
/// `42`, `-0.5`, `1.5e-3` and the unit expression is a chain of terms joined by `*` or `/`
/// (read left to right, spaces around the operators allowed; a leading `/` means "per").
/// A term is a unit name with an optional integer exponent: `um^2`, `cm2`, `s^-1`, `µm²`.
/// No unit means dimensionless; `%` is the dimensionless factor 0.01. Parentheses are not
/// supported.
///
/// Unit names (case-sensitive):
///  - length: nm; um, µm, μm, micron(s), micrometre(s), micrometer(s); mm; cm; m (metre).
///  - time: s, sec(s), second(s); min, mins, minute(s); h, hr(s), hour(s); d, day(s);
///    wk(s), week(s); month(s) = 30.4375 d; y, yr(s), year(s) = 365.25 d (the Julian year,
///    so that 12 months are exactly one year).
///
/// Note that `m` is the metre and `min` the minute.
#pragma once

#include <string>

namespace skinheal {

/// \brief Physical dimension as integer exponents of length (L) and time (T).
struct Dimension {
  int length = 0;  ///< Exponent of L.
  int time = 0;    ///< Exponent of T.

  friend constexpr bool operator==(Dimension, Dimension) = default;
  friend constexpr Dimension operator*(Dimension a, Dimension b) {
    return {a.length + b.length, a.time + b.time};
  }
  friend constexpr Dimension operator/(Dimension a, Dimension b) {
    return {a.length - b.length, a.time - b.time};
  }
};

/// The dimensions the engine reads from input.
namespace dims {
inline constexpr Dimension dimensionless{0, 0};
inline constexpr Dimension length{1, 0};        ///< µm
inline constexpr Dimension time{0, 1};          ///< s
inline constexpr Dimension area{2, 0};          ///< µm²
inline constexpr Dimension volume{3, 0};        ///< µm³
inline constexpr Dimension diffusivity{2, -1};  ///< µm²/s
inline constexpr Dimension rate{0, -1};         ///< 1/s
inline constexpr Dimension velocity{1, -1};     ///< µm/s
}  // namespace dims

/// \brief A parsed value in internal units (µm, s) with its dimension.
struct Quantity {
  double value_internal = 0.0;
  Dimension dim;
};

/// "a length", "a time", "a diffusivity", "dimensionless", ..., or "of dimension L^2 T^-3".
std::string dimension_name(Dimension dim);
/// Two typical inputs for the dimension, e.g. "\"1.5 mm\" or \"250 um\"".
std::string dimension_examples(Dimension dim);

/// Parses "1.5 mm", "6 weeks", "2.88e-3 cm^2/day", "0.5 /h", "10 %", "3" into internal units.
/// Throws InputError naming the text and what is wrong (empty, no number, malformed number,
/// non-finite, unknown unit with the nearest known one, bad exponent, parentheses).
Quantity parse_quantity(const std::string& text);

/// Parses `text` and checks that it has dimension `expected`; returns the value in internal
/// units. `what` names the input (usually the dotted key) in the error, e.g.
/// `"6 weeks" for 'device.needle_length': is a time, expected a length such as "1.5 mm" or
/// "250 um"`.
double parse_in(const std::string& text, Dimension expected, const std::string& what);

/// parse_in(text, dims::length, what): µm.
double parse_length_um(const std::string& text, const std::string& what);
/// parse_in(text, dims::time, what): s.
double parse_time_s(const std::string& text, const std::string& what);
/// parse_in(text, dims::diffusivity, what): µm²/s.
double parse_diffusivity_um2_per_s(const std::string& text, const std::string& what);
/// parse_in(text, dims::rate, what): 1/s.
double parse_rate_per_s(const std::string& text, const std::string& what);
/// parse_in(text, dims::velocity, what): µm/s.
double parse_velocity_um_per_s(const std::string& text, const std::string& what);

/// A duration in the unit a person would use, with at most `significant_digits` digits:
/// "45 s", "12 min", "3.5 h", "2 d", "6 weeks", "12 months", "3 years". Below two weeks days,
/// below three months weeks, below two years months, then years; a whole number of the next
/// larger unit is preferred ("1 week", "1 month"). The text parses back (parse_time_s) to the
/// value within the rounding of the printed digits.
std::string format_duration(double seconds, int significant_digits = 4);

/// A value in internal units printed with a readable unit that parses back to the same
/// dimension: lengths in nm/um/mm/cm, times as format_duration, rates and velocities per
/// s/min/h/d, diffusivities in um^2/s, anything else as um^a*s^b. Use 15 significant digits
/// for text that must reproduce the value (echoed parameters).
std::string format_quantity(double value_internal, Dimension dim, int significant_digits = 4);

}  // namespace skinheal
