#include "engine/error.hpp"

namespace skinheal::detail {

void throw_require(const char* cond, const std::string& msg, const char* file, int line) {
  (void)cond;
  (void)file;
  (void)line;
  throw InputError(msg);
}

}  // namespace skinheal::detail
