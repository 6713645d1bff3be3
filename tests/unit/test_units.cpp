// Unit tests for engine/input/units: parsing quantities with units into internal units
// (µm, s), dimension checks, error messages, and formatting that parses back.
#include "engine/input/units.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "engine/error.hpp"

namespace skinheal {
namespace {

constexpr double kDay = 86400.0;

/// The InputError message thrown by `f`, or "" (and a test failure) when nothing is thrown.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void expect_quantity(const std::string& text, double value_internal, Dimension dim) {
  SCOPED_TRACE(text);
  const Quantity q = parse_quantity(text);
  EXPECT_DOUBLE_EQ(q.value_internal, value_internal);
  EXPECT_EQ(q.dim.length, dim.length);
  EXPECT_EQ(q.dim.time, dim.time);
}

TEST(Units, Lengths) {
  expect_quantity("1.5 mm", 1500.0, dims::length);
  expect_quantity("250 um", 250.0, dims::length);
  expect_quantity("250 \xc2\xb5m", 250.0, dims::length);  // micro sign
  expect_quantity("250 \xce\xbcm", 250.0, dims::length);  // Greek mu
  expect_quantity("250 microns", 250.0, dims::length);
  expect_quantity("1 micron", 1.0, dims::length);
  expect_quantity("800 nm", 0.8, dims::length);
  expect_quantity("2 cm", 2e4, dims::length);
  expect_quantity("0.001 m", 1000.0, dims::length);
  expect_quantity("1.5mm", 1500.0, dims::length);
  expect_quantity("  1.5   mm  ", 1500.0, dims::length);
  expect_quantity("+3 mm", 3000.0, dims::length);
  expect_quantity("-2 um", -2.0, dims::length);
  expect_quantity(".5 mm", 500.0, dims::length);
}

TEST(Units, Times) {
  expect_quantity("30 s", 30.0, dims::time);
  expect_quantity("90 min", 5400.0, dims::time);
  expect_quantity("2 h", 7200.0, dims::time);
  expect_quantity("2 hours", 7200.0, dims::time);
  expect_quantity("3 hr", 10800.0, dims::time);
  expect_quantity("42 d", 42 * kDay, dims::time);
  expect_quantity("42 days", 42 * kDay, dims::time);
  expect_quantity("1 day", kDay, dims::time);
  expect_quantity("6 weeks", 3628800.0, dims::time);
  expect_quantity("6 wk", 3628800.0, dims::time);
  expect_quantity("1 month", 30.4375 * kDay, dims::time);
  expect_quantity("12 months", 365.25 * kDay, dims::time);
  expect_quantity("1 year", 365.25 * kDay, dims::time);
  expect_quantity("1 yr", 365.25 * kDay, dims::time);
  expect_quantity("2 y", 2 * 365.25 * kDay, dims::time);
  expect_quantity("1e3 sec", 1000.0, dims::time);
}

TEST(Units, DiffusivitiesRatesVelocities) {
  expect_quantity("3.3 um^2/s", 3.3, dims::diffusivity);
  expect_quantity("3.3 \xc2\xb5m\xc2\xb2/s", 3.3, dims::diffusivity);  // µm²/s
  expect_quantity("1e-10 cm^2/s", 1e-10 * 1e8, dims::diffusivity);
  expect_quantity("2.88e-3 cm^2/day", 2.88e-3 * 1e8 / 86400.0, dims::diffusivity);
  expect_quantity("2.88e-3 cm2/day", 2.88e-3 * 1e8 / 86400.0, dims::diffusivity);
  expect_quantity("2.88e-3 cm^2 / day", 2.88e-3 * 1e8 / 86400.0, dims::diffusivity);
  expect_quantity("1 mm^2*s^-1", 1e6, dims::diffusivity);
  expect_quantity("1 um2 * s-1", 1.0, dims::diffusivity);
  expect_quantity("1/d", 1.0 / kDay, dims::rate);
  expect_quantity("0.5 /h", 0.5 / 3600.0, dims::rate);
  expect_quantity("0.5 s^-1", 0.5, dims::rate);
  expect_quantity("2 d\xe2\x81\xbb\xc2\xb9", 2.0 / kDay, dims::rate);  // d⁻¹
  expect_quantity("10 um/h", 10.0 / 3600.0, dims::velocity);
  expect_quantity("1 mm/d", 1000.0 / kDay, dims::velocity);
  expect_quantity("1 mm^3", 1e9, dims::volume);
  expect_quantity("1e5 /mm^3", 1e5 / 1e9, (Dimension{-3, 0}));
}

TEST(Units, Dimensionless) {
  expect_quantity("3", 3.0, dims::dimensionless);
  expect_quantity("10 %", 0.1, dims::dimensionless);
  expect_quantity("10%", 0.1, dims::dimensionless);
  expect_quantity("1e-3", 1e-3, dims::dimensionless);
  expect_quantity("1 um/mm", 1e-3, dims::dimensionless);
  expect_quantity("5 %/d", 0.05 / kDay, dims::rate);
}

TEST(Units, DimensionArithmetic) {
  EXPECT_EQ(dims::length * dims::length / dims::time, dims::diffusivity);
  EXPECT_EQ(dims::dimensionless / dims::time, dims::rate);
  EXPECT_EQ(dims::length / dims::time, dims::velocity);
  EXPECT_NE(dims::length, dims::time);
  EXPECT_EQ(dimension_name(dims::diffusivity), "a diffusivity");
  EXPECT_EQ(dimension_name(Dimension{2, -3}), "a quantity of dimension L^2 T^-3");
}

TEST(Units, ParseInConvenience) {
  EXPECT_DOUBLE_EQ(parse_length_um("1.5 mm", "k"), 1500.0);
  EXPECT_DOUBLE_EQ(parse_time_s("6 weeks", "k"), 3628800.0);
  EXPECT_DOUBLE_EQ(parse_diffusivity_um2_per_s("2.88e-3 cm^2/day", "k"), 2.88e-3 * 1e8 / 86400.0);
  EXPECT_DOUBLE_EQ(parse_rate_per_s("0.5 /h", "k"), 0.5 / 3600.0);
  EXPECT_DOUBLE_EQ(parse_velocity_um_per_s("10 um/h", "k"), 10.0 / 3600.0);
  EXPECT_DOUBLE_EQ(parse_in("30 %", dims::dimensionless, "k"), 0.3);
}

TEST(Units, UnknownUnitNamesKeyAndExpectedDimension) {
  const std::string msg = error_of([] { parse_in("6 kg", dims::length, "device.needle_length"); });
  EXPECT_EQ(msg,
            "\"6 kg\" for 'device.needle_length': unknown unit 'kg'; expected a length such as "
            "\"1.5 mm\" or \"250 um\"");
}

TEST(Units, WrongDimensionSaysWhatItIs) {
  const std::string msg =
      error_of([] { parse_in("6 weeks", dims::length, "device.needle_length"); });
  EXPECT_EQ(msg,
            "\"6 weeks\" for 'device.needle_length': is a time, expected a length such as "
            "\"1.5 mm\" or \"250 um\"");
  EXPECT_NE(error_of([] { parse_in("6", dims::length, "x"); }).find("has no unit"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_in("1 um/s", dims::diffusivity, "x");
            }).find("is a velocity, expected a diffusivity"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_in("1.5 mm", dims::dimensionless, "x");
            }).find("is a length, expected a dimensionless number"),
            std::string::npos);
}

TEST(Units, MisspelledUnitGetsSuggestion) {
  const std::string msg = error_of([] { parse_in("6 weks", dims::time, "time.end"); });
  EXPECT_NE(msg.find("'time.end'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown unit 'weks' (did you mean 'weeks'?)"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { parse_quantity("1 MM"); }).find("did you mean 'mm'?"), std::string::npos);
  EXPECT_NE(error_of([] { parse_quantity("2 Days"); }).find("did you mean 'days'?"),
            std::string::npos);
  // No far-fetched suggestion for short unrelated names.
  EXPECT_EQ(error_of([] { parse_quantity("6 kg"); }).find("did you mean"), std::string::npos);
}

struct BadInput {
  const char* text;
  const char* reason;
};

TEST(Units, MalformedInputGivesClearErrors) {
  const BadInput cases[] = {
      {"", "empty value"},
      {"   ", "empty value"},
      {"mm", "no number before the unit"},
      {"/d", "no number before the unit"},
      {"1.5.3 mm", "malformed number '1.5.3'"},
      {"1,5 mm", "use '.' as the decimal point"},
      {"--1 mm", "malformed number"},
      {"nan", "not a finite number"},
      {"NaN um", "not a finite number"},
      {"inf mm", "not a finite number"},
      {"-infinity s", "not a finite number"},
      {"1e400 um", "out of range"},
      {"1e300 m^3", "out of range once converted"},
      {"1 um s", "unexpected 's' after 'um'; join units with '*' or '/'"},
      {"1 cm^5/(g day)", "parentheses are not supported"},
      {"1 um^", "missing integer exponent after 'um^'"},
      {"1 um^2.5", "fractional exponents are not supported"},
      {"1 um^99999", "too large"},
      {"1 um^13", "out of range"},
      {"1 /", "missing unit after '/'"},
      {"1 um*", "missing unit after '*'"},
      {"1 */s", "missing unit before '*'"},
      {"1 um $", "unexpected '$'"},
      {"1 \x01", "unexpected '\\x01'"},
      {"1 \xff", "unexpected '\\xff'"},
  };
  for (const BadInput& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string msg = error_of([&] { parse_in(c.text, dims::length, "device.depth"); });
    EXPECT_NE(msg.find(c.reason), std::string::npos) << msg;
    EXPECT_NE(msg.find("'device.depth'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected a length such as \"1.5 mm\""), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message must be one line: " << msg;
  }
}

TEST(Units, ParseQuantityErrorsNameTheText) {
  const std::string msg = error_of([] { parse_quantity("1 furlong"); });
  EXPECT_EQ(msg.rfind("\"1 furlong\": unknown unit 'furlong'", 0), 0u) << msg;
  EXPECT_NE(msg.find("known units:"), std::string::npos) << msg;
  for (const char* text : {"1\nmm x", "1.5.3\nmm", "*5w)-\ns)-", "1 \xff\xfe"}) {
    const std::string msg = error_of([&] { parse_quantity(text); });
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\xff'), std::string::npos) << msg;
  }
}

TEST(Units, FormatDuration) {
  EXPECT_EQ(format_duration(45.0), "45 s");
  EXPECT_EQ(format_duration(0.0), "0 s");
  EXPECT_EQ(format_duration(0.5), "0.5 s");
  EXPECT_EQ(format_duration(60.0), "1 min");
  EXPECT_EQ(format_duration(720.0), "12 min");
  EXPECT_EQ(format_duration(3.5 * 3600.0), "3.5 h");
  EXPECT_EQ(format_duration(2 * kDay), "2 d");
  EXPECT_EQ(format_duration(7 * kDay), "1 week");
  EXPECT_EQ(format_duration(42 * kDay), "6 weeks");
  EXPECT_EQ(format_duration(30.4375 * kDay), "1 month");
  EXPECT_EQ(format_duration(365.25 * kDay), "12 months");
  // Whole days that are no whole number of weeks or months stay in days.
  EXPECT_EQ(format_duration(30 * kDay), "30 d");
  EXPECT_EQ(format_duration(365 * kDay), "365 d");
  EXPECT_EQ(format_duration(84 * kDay), "12 weeks");
  EXPECT_EQ(format_duration(30.5 * kDay), "4.357 weeks");
  EXPECT_EQ(format_duration(360 * kDay, 2), "360 d");  // whole days keep every digit
  EXPECT_EQ(format_duration(3 * 365.25 * kDay), "3 years");
  EXPECT_EQ(format_duration(-60.0), "-1 min");
  EXPECT_EQ(format_duration(100.0 / 3.0), "33.33 s");
}

TEST(Units, FormatDurationRoundTrips) {
  // Four significant digits: the text parses back to within 5e-4 relative.
  for (double s = 1e-3; s < 1e10; s *= 1.37) {
    const std::string text = format_duration(s);
    const double back = parse_time_s(text, "round trip");
    EXPECT_NEAR(back, s, 5e-4 * s) << text;
  }
  // With 15 digits the value comes back (almost) exactly.
  for (const double s : {1.0 / 3.0, 12345.678, 42 * kDay + 1.0, 1e9 / 7.0}) {
    const double back = parse_time_s(format_duration(s, 15), "round trip");
    EXPECT_NEAR(back, s, 1e-13 * s) << format_duration(s, 15);
  }
}

TEST(Units, FormatQuantity) {
  EXPECT_EQ(format_quantity(1500.0, dims::length), "1.5 mm");
  EXPECT_EQ(format_quantity(250.0, dims::length), "250 um");
  EXPECT_EQ(format_quantity(0.8, dims::length), "800 nm");
  EXPECT_EQ(format_quantity(2e4, dims::length), "2 cm");
  EXPECT_EQ(format_quantity(0.0, dims::length), "0 um");
  EXPECT_EQ(format_quantity(42 * kDay, dims::time), "6 weeks");
  EXPECT_EQ(format_quantity(0.5 / kDay, dims::rate), "0.5 /d");
  EXPECT_EQ(format_quantity(1.0 / 3600.0, dims::rate), "1 /h");
  EXPECT_EQ(format_quantity(2.0, dims::rate), "2 /s");
  EXPECT_EQ(format_quantity(10.0 / 3600.0, dims::velocity), "10 um/h");
  EXPECT_EQ(format_quantity(3.3, dims::diffusivity), "3.3 um^2/s");
  EXPECT_EQ(format_quantity(0.3, dims::dimensionless), "0.3");
  EXPECT_EQ(format_quantity(2.0, Dimension{-3, 0}), "2 um^-3");
}

TEST(Units, FormatQuantityRoundTrips) {
  const Dimension all[] = {dims::dimensionless, dims::length, dims::time,     dims::area,
                           dims::diffusivity,   dims::rate,   dims::velocity, Dimension{2, -3}};
  for (const Dimension dim : all) {
    for (double v = 1e-7; v < 1e9; v *= 3.7) {
      const std::string text = format_quantity(v, dim, 15);
      const Quantity q = parse_quantity(text);
      EXPECT_EQ(q.dim, dim) << text;
      EXPECT_NEAR(q.value_internal, v, 1e-13 * v) << text;
    }
  }
}

}  // namespace
}  // namespace skinheal
