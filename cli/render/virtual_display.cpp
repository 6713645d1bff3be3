// Starting and stopping a private Xvfb (see virtual_display.hpp).
#include "cli/render/virtual_display.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "cli/render/subprocess.hpp"
#include "engine/error.hpp"

namespace skinheal::render {

namespace {

constexpr int kStartTimeoutSeconds = 30;  // Xvfb needs well under 1 s on an idle machine
constexpr int kProbeTimeoutSeconds = 10;  // a live X server answers in milliseconds
constexpr const char* kInstallHint =
    "install or repair it with `apt-get install xvfb xauth`, or set DISPLAY to a running X "
    "server";

void stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {  // up to 2 s
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

/// How a child ended, from a waitpid status.
std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status)) +
           (name != nullptr ? std::string(" (") + name + ")" : std::string());
  }
  return "stopped";
}

/// The line of Xvfb's stderr that says what went wrong ("" if there is none): the line after
/// "Fatal server error:" if there is one, else the last line that is not boilerplate. Control
/// characters are dropped so that the error stays one line.
std::string xvfb_reason(int log_fd) {
  if (log_fd < 0) return {};
  const off_t size = lseek(log_fd, 0, SEEK_END);
  if (size <= 0) return {};
  const off_t from = std::max<off_t>(0, size - 8192);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  const ssize_t n = pread(log_fd, text.data(), text.size(), from);
  if (n <= 0) return {};
  text.resize(static_cast<std::size_t>(n));
  std::vector<std::string> lines;
  std::size_t fatal = std::string::npos;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line;
    for (char c : text.substr(pos, end - pos))
      if (static_cast<unsigned char>(c) >= 0x20) line += c;
    pos = end + 1;
    if (line.rfind("(EE)", 0) == 0) line.erase(0, 4);  // Xvfb's error marks, at either end
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (line.size() >= 4 && line.compare(line.size() - 4, 4, "(EE)") == 0)
      line.resize(line.size() - 4);
    line.erase(0, std::min(line.size(), line.find_first_not_of(" \t")));
    if (line.empty() || line.rfind("Please consult", 0) == 0 || line.rfind("at http", 0) == 0 ||
        line.rfind("for help", 0) == 0)
      continue;
    if (line.rfind("Fatal server error", 0) == 0) {
      fatal = lines.size();
      continue;
    }
    lines.push_back(line);
  }
  std::string reason = fatal < lines.size() ? lines[fatal] : lines.empty() ? "" : lines.back();
  if (reason.size() > 300) reason = reason.substr(0, 297) + "...";
  return reason;
}

/// `fd` moved above the standard descriptors (the child rearranges 0..3), close-on-exec.
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  return moved;
}

constexpr const char kExecFailed[] = "cannot execute Xvfb: errno ";

std::string with_reason(const std::string& what, int log_fd) {
  std::string reason = xvfb_reason(log_fd);
  if (reason.rfind(kExecFailed, 0) == 0)  // written by the child, which cannot call strerror
    reason +=
        std::string(" (") + std::strerror(std::atoi(reason.c_str() + sizeof kExecFailed - 1)) + ")";
  return reason.empty() ? what : what + " (Xvfb: \"" + reason + "\")";
}

/// An unlinked temporary file for Xvfb's stderr (-1 if none can be made: then /dev/null).
int open_log() {
  std::error_code ec;
  std::string dir = std::filesystem::temp_directory_path(ec).string();
  if (ec || dir.empty()) dir = "/tmp";
  std::string name = dir + "/skinheal-xvfb-XXXXXX";
  const int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) unlink(name.c_str());
  return above_stdio(fd);
}

/// libX11's XOpenDisplay, XCloseDisplay and XConnectionNumber, looked up at run time: VTK has
/// already loaded libX11, and skinheal's own build does not link it. Null if unavailable.
struct Xlib {
  void* (*open_display)(const char*) = nullptr;
  int (*close_display)(void*) = nullptr;
  int (*connection_number)(void*) = nullptr;
};

const Xlib* xlib() {
  static const Xlib lib = [] {
    Xlib l;
    void* handle = dlopen("libX11.so.6", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return l;
    l.open_display = reinterpret_cast<void* (*)(const char*)>(dlsym(handle, "XOpenDisplay"));
    l.close_display = reinterpret_cast<int (*)(void*)>(dlsym(handle, "XCloseDisplay"));
    l.connection_number = reinterpret_cast<int (*)(void*)>(dlsym(handle, "XConnectionNumber"));
    return l;
  }();
  return lib.open_display && lib.close_display && lib.connection_number ? &lib : nullptr;
}

/// Why X display `name` cannot be opened, or "" if it can. VTK aborts the whole process when
/// XOpenDisplay fails, so the connection is tried first in a child process (which may take at
/// most kProbeTimeoutSeconds, e.g. for a remote display whose host no longer answers). The
/// child's stderr (Xlib's own complaint, such as a missing authorisation) becomes the reason.
std::string display_problem(const std::string& name) {
  const Xlib* x = xlib();
  if (x == nullptr) return "libX11.so.6 cannot be loaded";
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0) return {};  // cannot check: leave it to VTK
  fds[0] = above_stdio(fds[0]);
  fds[1] = above_stdio(fds[1]);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return {};
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(2);
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
    }
    dup2(fds[1], 2);
    _exit(x->open_display(name.c_str()) != nullptr ? 0 : 1);  // _exit closes the connection
  }
  close(fds[1]);
  std::string said;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kProbeTimeoutSeconds);
  bool timed_out = false, eof = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    char buf[256];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {  // EOF: the child has exited (its write end closed)
      eof = true;
      break;
    }
    if (n < 0) break;
    if (said.size() < 2000) said.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  // Any way out of the loop but EOF may leave the child inside XOpenDisplay: end it, so that
  // waitpid cannot block.
  if (!eof) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return "no answer within " + std::to_string(kProbeTimeoutSeconds) + " s";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string line;  // Xlib's complaint, one line, without control characters
  for (char c : said) {
    if (c == '\n' && !line.empty()) break;
    if (static_cast<unsigned char>(c) >= 0x20) line += c;
  }
  if (line.size() > 200) line = line.substr(0, 197) + "...";
  std::string reason = "XOpenDisplay failed: ";
  reason += line.empty() ? "no X server accepts connections there" : line;
  if (!WIFEXITED(status)) reason += " (the check " + describe_status(status) + ")";
  return reason;
}

}  // namespace

VirtualDisplay::VirtualDisplay(int screen_width, int screen_height) {
  const char* current = std::getenv("DISPLAY");
  std::string context = "no DISPLAY is set";
  if (current != nullptr && current[0] != '\0') {
    // Use the given display if it answers, holding one connection open for the whole run: an
    // X server without clients resets itself, and a reset drops a client that connects
    // meanwhile (VTK opens one connection per image right after closing the last one).
    std::string problem = display_problem(current);
    if (problem.empty()) {
      const Xlib* x = xlib();
      for (int attempt = 0; attempt < 3 && keepalive_ == nullptr; ++attempt) {
        if (attempt > 0) usleep(100000);
        keepalive_ = x->open_display(current);
      }
      if (keepalive_ != nullptr) {
        display_ = current;
        return;
      }
      problem = "XOpenDisplay failed after a first connection succeeded";
    }
    // A stale DISPLAY (an SSH session or container that has gone): render on a private Xvfb
    // instead, and say so. DISPLAY is restored when rendering ends.
    previous_display_ = current;
    context = "DISPLAY=" + previous_display_ + " cannot be used (" + problem + ")";
    note_ = context + ": rendering on a private Xvfb instead";
    unsetenv("DISPLAY");
  }
  try {
    start_xvfb(screen_width, screen_height, context);
  } catch (...) {
    if (!previous_display_.empty()) setenv("DISPLAY", previous_display_.c_str(), 1);
    throw;
  }
}

void VirtualDisplay::start_xvfb(int screen_width, int screen_height, const std::string& context) {
  const std::string xvfb = find_program("Xvfb");
  if (xvfb.empty())
    throw Error(context + " and Xvfb is not on PATH, so there is nowhere to render; " +
                kInstallHint);
  // Everything the child needs is prepared before fork (only async-signal-safe calls after).
  // In the child the -displayfd pipe is fd 3, and every descriptor above it is closed.
  const std::string screen = std::to_string(std::max(screen_width, 640)) + "x" +
                             std::to_string(std::max(screen_height, 480)) + "x24";
  std::vector<std::string> argv = {xvfb,   "-displayfd", "3",   "-screen", "0",
                                   screen, "-nolisten",  "tcp", "-noreset"};
  for (const std::string& a : argv) command_ += (command_.empty() ? "" : " ") + a;
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int log_fd = open_log();
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0 || (fds[0] = above_stdio(fds[0])) < 0 ||
      (fds[1] = above_stdio(fds[1])) < 0) {
    const int err = errno;
    for (int fd : {fds[0], fds[1], log_fd})
      if (fd >= 0) close(fd);
    throw Error(context + " and skinheal cannot create a pipe to start Xvfb (" +
                std::string(std::strerror(err)) + ")");
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    if (log_fd >= 0) close(log_fd);
    throw Error(context + " and skinheal cannot fork to start `" + command_ + "` (" +
                std::strerror(err) + ")");
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
    }
    dup2(log_fd >= 0 ? log_fd : null, 2);
    if (fds[1] == 3)
      fcntl(3, F_SETFD, 0);  // the write end stays open across exec
    else
      dup2(fds[1], 3);  // dup2 clears close-on-exec on the copy
    if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
      for (int fd = 4; fd < 1024; ++fd) close(fd);
    execv(args[0], args.data());
    const int err = errno;  // say why on the log, which the parent quotes
    char digits[16];
    int n = 0;
    for (int e = err; n == 0 || e > 0; e /= 10) digits[n++] = static_cast<char>('0' + e % 10);
    if (write(2, kExecFailed, sizeof kExecFailed - 1) > 0) {
      while (n > 0 && write(2, &digits[--n], 1) == 1) {
      }
    }
    _exit(127);
  }
  close(fds[1]);
  pid_ = pid;
  log_fd_ = log_fd;
  std::string number;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(kStartTimeoutSeconds);
  bool done = false;
  bool eof = false;
  while (!done) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    char buf[32];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // EOF: Xvfb exited without naming a display
      eof = true;
      break;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n')
        done = true;
      else if (buf[i] >= '0' && buf[i] <= '9')
        number += buf[i];
    }
  }
  close(fds[0]);
  if (!done || number.empty()) {
    // Say what happened: Xvfb exited (how, and its own last word) or it is still silent.
    std::string what;
    int status = 0;
    pid_t waited = -1;
    for (int i = 0; i < (eof ? 100 : 1); ++i) {  // after EOF the exit is imminent: up to 1 s
      waited = waitpid(pid_, &status, WNOHANG);
      if (waited == pid_ || (waited < 0 && errno != EINTR)) break;
      usleep(10000);
    }
    if (waited == pid_) {
      pid_ = -1;
      what = "`" + command_ + "` " + describe_status(status) + " before it named a display";
    } else if (eof) {
      what = "`" + command_ + "` closed its -displayfd pipe without naming a display";
    } else {
      what = "`" + command_ + "` did not name a display within " +
             std::to_string(kStartTimeoutSeconds) + " s";
    }
    stop(pid_);
    pid_ = -1;
    what = with_reason(what, log_fd_);
    if (log_fd_ >= 0) close(log_fd_);
    log_fd_ = -1;
    throw Error(context + " and the private X server could not be started: " + what + "; " +
                kInstallHint);
  }
  display_ = ":" + number;
  setenv("DISPLAY", display_.c_str(), 1);
}

void VirtualDisplay::require_running() {
  if (keepalive_ != nullptr) {  // a display of the user's: check it still answers
    const std::string problem = display_problem(display_);
    if (problem.empty()) return;
    throw Error("the X display DISPLAY=" + display_ + " stopped answering during rendering (" +
                problem + ")");
  }
  if (pid_ <= 0) return;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return;
  pid_ = -1;
  if (previous_display_.empty())
    unsetenv("DISPLAY");
  else
    setenv("DISPLAY", previous_display_.c_str(), 1);
  throw Error(with_reason("the private X server `" + command_ + "` (display " + display_ + ") " +
                              describe_status(status) + " during rendering",
                          log_fd_));
}

VirtualDisplay::~VirtualDisplay() {
  if (keepalive_ != nullptr) {
    const Xlib* x = xlib();
    // XCloseDisplay talks to the server, and Xlib exits the process on an I/O error: if the
    // server has gone, only the socket is closed (the small Display record is left).
    if (display_problem(display_).empty())
      x->close_display(keepalive_);
    else
      close(x->connection_number(keepalive_));
  }
  if (pid_ > 0) {
    stop(pid_);
    if (previous_display_.empty())
      unsetenv("DISPLAY");
    else
      setenv("DISPLAY", previous_display_.c_str(), 1);
  }
  if (log_fd_ >= 0) close(log_fd_);
}

}  // namespace skinheal::render
