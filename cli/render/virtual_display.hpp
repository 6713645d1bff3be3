/// \file virtual_display.hpp
/// \brief A private X display (Xvfb) for rendering on machines without one. No VTK here.
#pragma once

#include <sys/types.h>
#include <string>

namespace skinheal::render {

/// \brief Makes sure an X display is available for the lifetime of the object.
///
/// If DISPLAY is set and non-empty, it is checked first: XOpenDisplay is tried in a child
/// process (at most 10 s), because VTK aborts the whole process when it cannot connect. A
/// display that answers is used as it is, with one connection held open for the whole run (a
/// server without clients resets itself, dropping a client that connects meanwhile). A display
/// that does not answer (a stale SSH or container DISPLAY) is replaced by a private Xvfb and
/// `note()` says so; DISPLAY gets its old value back afterwards. Otherwise, and in that case,
/// Xvfb is started with an argument vector (fork + execv, never a shell):
/// `Xvfb -displayfd 3 -screen 0 WxHx24 -nolisten tcp -noreset`.
/// - With `-displayfd` Xvfb itself picks a free display number (it skips every number whose
///   socket another server holds) and writes it to fd 3 once it accepts connections, so
///   concurrent skinheal processes each get their own display, with neither a race on the
///   number nor a guessed sleep. No lock files are involved, so stale ones do not matter.
/// - `-noreset` is essential: by default an X server resets itself whenever its last client
///   disconnects, and the reset drops a client that connected meanwhile; VTK opens a new X
///   connection for every image right after closing the previous one, so without it
///   XOpenDisplay intermittently failed and VTK aborted with "bad X server connection".
/// - Xvfb's stdin/stdout are /dev/null, its stderr goes to an unlinked temporary file whose
///   last line is quoted in any error, and it inherits no other descriptor of skinheal.
/// DISPLAY is then set to ":N". The destructor terminates Xvfb (SIGTERM, then SIGKILL after
/// 2 s), reaps it and unsets DISPLAY again; the child also gets PR_SET_PDEATHSIG so it dies
/// with skinheal even after kill -9.
/// Throws Error (one line: why the given DISPLAY is not used if one was set, the command, what
/// went wrong, what to install) if Xvfb is missing, exits or does not come up within 30 s.
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
  /// Empty, or one line on why the DISPLAY that was set is not used.
  const std::string& note() const { return note_; }
  /// Throws Error if the display no longer answers: the Xvfb started here has exited, or the
  /// user's display fails the XOpenDisplay check (call before opening a window: VTK aborts
  /// the process when it cannot connect).
  void require_running();

 private:
  void start_xvfb(int screen_width, int screen_height, const std::string& context);

  void* keepalive_ = nullptr;     ///< Xlib Display* held open on the user's display
  std::string previous_display_;  ///< DISPLAY as it was, when it was set but did not answer
  std::string note_;
  pid_t pid_ = -1;
  int log_fd_ = -1;  ///< Xvfb's stderr (an unlinked temporary file)
  std::string command_;
  std::string display_;
};

}  // namespace skinheal::render
