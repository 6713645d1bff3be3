/// \file error.hpp
/// \brief Exceptions with context and the always-on SKINHEAL_REQUIRE check.
///
/// Library code never calls exit(): it throws. The CLI turns an InputError into one line and
/// exit code 2, a NumericalError into exit code 3.
#pragma once

#include <stdexcept>
#include <string>

namespace skinheal {

/// \brief Base of every skinheal error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief Bad user input: a scenario key, a unit, a range, a file. Exit code 2.
class InputError : public Error {
 public:
  using Error::Error;
};

/// \brief The numerics failed: NaN, Inf, negative blow-up, step below the minimum. Exit code 3.
class NumericalError : public Error {
 public:
  using Error::Error;
};

namespace detail {
[[noreturn]] void throw_require(const char* cond, const std::string& msg, const char* file,
                                int line);
}  // namespace detail

}  // namespace skinheal

/// Always-on check for user-facing conditions; throws InputError with the message.
#define SKINHEAL_REQUIRE(cond, msg)                                                   \
  do {                                                                                \
    if (!(cond)) ::skinheal::detail::throw_require(#cond, (msg), __FILE__, __LINE__); \
  } while (0)

/// Debug-only check of internal invariants.
#ifndef NDEBUG
#include <cassert>
#define SKINHEAL_ASSERT(cond) assert(cond)
#else
#define SKINHEAL_ASSERT(cond) ((void)0)
#endif
