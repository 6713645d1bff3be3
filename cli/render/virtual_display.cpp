// Starting and stopping a private Xvfb (see virtual_display.hpp).
#include "cli/render/virtual_display.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "cli/render/subprocess.hpp"
#include "engine/error.hpp"

namespace skinheal::render {

namespace {

void stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 200; ++i) {  // up to 2 s
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    usleep(10000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

}  // namespace

VirtualDisplay::VirtualDisplay(int screen_width, int screen_height) {
  const char* current = std::getenv("DISPLAY");
  if (current != nullptr && current[0] != '\0') {
    display_ = current;
    return;
  }
  const std::string xvfb = find_program("Xvfb");
  if (xvfb.empty())
    throw Error(
        "no DISPLAY is set and Xvfb is not installed (apt-get install xvfb), so "
        "there is nowhere to render");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error("cannot create a pipe for Xvfb");
  // Everything the child needs is prepared before fork (only async-signal-safe calls after).
  const std::string screen = std::to_string(std::max(screen_width, 640)) + "x" +
                             std::to_string(std::max(screen_height, 480)) + "x24";
  const std::string fd_text = std::to_string(fds[1]);
  std::vector<std::string> argv = {xvfb, "-displayfd", fd_text,     "-screen",
                                   "0",  screen,       "-nolisten", "tcp"};
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Error("cannot fork to start Xvfb");
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    fcntl(fds[1], F_SETFD, 0);  // the write end stays open across exec
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  pid_ = pid;
  std::string number;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool done = false;
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
    if (n <= 0) break;  // EOF: Xvfb exited
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n')
        done = true;
      else if (buf[i] >= '0' && buf[i] <= '9')
        number += buf[i];
    }
  }
  close(fds[0]);
  if (!done || number.empty()) {
    stop(pid_);
    pid_ = -1;
    throw Error("no DISPLAY is set and Xvfb (" + xvfb + ") did not start within 10 s");
  }
  display_ = ":" + number;
  setenv("DISPLAY", display_.c_str(), 1);
}

VirtualDisplay::~VirtualDisplay() {
  if (pid_ > 0) {
    stop(pid_);
    unsetenv("DISPLAY");
  }
}

}  // namespace skinheal::render
