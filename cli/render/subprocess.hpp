/// \file subprocess.hpp
/// \brief Start helper programs (Xvfb, ffmpeg) from an argument vector, never through a shell.
/// No VTK here.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

namespace skinheal::render {

/// The full path of `name` found on PATH (or `name` itself if it contains a '/' and is
/// executable); empty if there is none.
std::string find_program(const std::string& name);

/// Run `argv` (argv[0] a path or a name looked up on PATH) with stdin from /dev/null and
/// stdout/stderr to `log_path` (or /dev/null if empty); wait for it and return its exit status
/// (128 + signal if it was killed, 127 if it could not be started).
int run_program(const std::vector<std::string>& argv, const std::string& log_path = {});

}  // namespace skinheal::render
