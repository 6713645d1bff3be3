/// \file virtual_display.hpp
/// \brief A private X display (Xvfb) for rendering on machines without one. No VTK here.
#pragma once

#include <sys/types.h>
#include <string>

namespace skinheal::render {

/// \brief Makes sure an X display is available for the lifetime of the object.
///
/// If DISPLAY is set and non-empty, it is used as it is and nothing is started. Otherwise
/// Xvfb is started with an argument vector (fork + execvp, never a shell):
/// `Xvfb -displayfd FD -screen 0 WxHx24 -nolisten tcp`. With `-displayfd` Xvfb itself picks a
/// free display number and writes it to FD once it accepts connections, so there is neither a
/// race on the number nor a guessed sleep. DISPLAY is then set to ":N". The destructor
/// terminates Xvfb (SIGTERM, then SIGKILL after 2 s), reaps it and unsets DISPLAY again; the
/// child also gets PR_SET_PDEATHSIG so it dies with skinheal even after kill -9.
/// Throws Error if Xvfb is missing or does not come up within 10 s.
class VirtualDisplay {
 public:
  VirtualDisplay(int screen_width, int screen_height);
  ~VirtualDisplay();
  VirtualDisplay(const VirtualDisplay&) = delete;
  VirtualDisplay& operator=(const VirtualDisplay&) = delete;

  /// True if this object started Xvfb.
  bool started() const { return pid_ > 0; }
  /// The display in use, e.g. ":1".
  const std::string& display() const { return display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

}  // namespace skinheal::render
