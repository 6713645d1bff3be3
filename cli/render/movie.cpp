// The movie of the cross-sections: MP4 through ffmpeg (argument vector, never a shell), or an
// animated GIF written here if ffmpeg is missing or fails (see detail/pieces.hpp).
#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGReader.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cli/render/detail/pieces.hpp"
#include "cli/render/subprocess.hpp"
#include "engine/error.hpp"

namespace skinheal::render::detail {

namespace {

namespace fs = std::filesystem;

/// A temporary directory removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "skinheal-frames-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw Error("cannot create a temporary directory");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// GIF LZW encoder state (variable code width, clear codes when the table is full).
class LzwWriter {
 public:
  explicit LzwWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void encode(const std::vector<std::uint8_t>& indices, int min_code_size) {
    const int clear = 1 << min_code_size, stop = clear + 1;
    int width = min_code_size + 1, next = stop + 1;
    std::vector<int> table(4096 * 256, -1);  // (prefix code, byte) → code
    emit(clear, width);
    int prefix = indices.empty() ? -1 : indices[0];
    for (std::size_t i = 1; i < indices.size(); ++i) {
      const int k = indices[i];
      const int key = prefix * 256 + k;
      if (table[key] >= 0) {
        prefix = table[key];
        continue;
      }
      emit(prefix, width);
      if (next < 4096) {
        table[key] = next++;
        if (next > (1 << width) && width < 12) ++width;
      } else {
        emit(clear, width);
        std::fill(table.begin(), table.end(), -1);
        width = min_code_size + 1;
        next = stop + 1;
      }
      prefix = k;
    }
    if (prefix >= 0) emit(prefix, width);
    emit(stop, width);
    if (nbits_ > 0) byte(static_cast<std::uint8_t>(acc_ & 0xff));
    flush_block();
    out_.push_back(0);  // block terminator
  }

 private:
  void emit(int code, int width) {
    acc_ |= static_cast<std::uint32_t>(code) << nbits_;
    nbits_ += width;
    while (nbits_ >= 8) {
      byte(static_cast<std::uint8_t>(acc_ & 0xff));
      acc_ >>= 8;
      nbits_ -= 8;
    }
  }
  void byte(std::uint8_t b) {
    block_.push_back(b);
    if (block_.size() == 255) flush_block();
  }
  void flush_block() {
    if (block_.empty()) return;
    out_.push_back(static_cast<std::uint8_t>(block_.size()));
    out_.insert(out_.end(), block_.begin(), block_.end());
    block_.clear();
  }
  std::vector<std::uint8_t>& out_;
  std::vector<std::uint8_t> block_;
  std::uint32_t acc_ = 0;
  int nbits_ = 0;
};

/// An animated GIF with a fixed 6×7×6 colour cube (252 colours), looping forever.
void write_gif(const std::string& path, const std::vector<std::string>& frames, double fps) {
  std::vector<std::uint8_t> out;
  int w = 0, h = 0;
  auto put16 = [&](int v) {
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
    out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
  };
  const int delay_cs = std::max(1, static_cast<int>(std::lround(100.0 / fps)));
  for (std::size_t f = 0; f < frames.size(); ++f) {
    vtkNew<vtkPNGReader> reader;
    reader->SetFileName(frames[f].c_str());
    reader->Update();
    vtkImageData* im = reader->GetOutput();
    const int* dims = im->GetDimensions();
    const int comps = im->GetNumberOfScalarComponents();
    if (dims[0] <= 0 || comps < 3) throw Error(frames[f] + ": cannot read the frame back");
    if (f == 0) {
      w = dims[0];
      h = dims[1];
      const char head[] = "GIF89a";
      out.insert(out.end(), head, head + 6);
      put16(w);
      put16(h);
      out.push_back(0xF7);  // global colour table, 8 bits, 256 entries
      out.push_back(0);
      out.push_back(0);
      for (int i = 0; i < 256; ++i) {
        const int r = i / 42, g = (i / 6) % 7, b = i % 6;
        const bool used = i < 252;
        out.push_back(used ? static_cast<std::uint8_t>(r * 51) : 0);
        out.push_back(used ? static_cast<std::uint8_t>(g * 255 / 6) : 0);
        out.push_back(used ? static_cast<std::uint8_t>(b * 51) : 0);
      }
      const std::uint8_t loop[] = {0x21, 0xFF, 0x0B, 'N', 'E', 'T', 'S', 'C', 'A', 'P',
                                   'E',  '2',  '.',  '0', 3,   1,   0,   0,   0};
      out.insert(out.end(), loop, loop + sizeof loop);
    }
    if (dims[0] != w || dims[1] != h) throw Error(frames[f] + ": frame size differs");
    std::vector<std::uint8_t> idx(static_cast<std::size_t>(w) * h);
    const auto* px = static_cast<const std::uint8_t*>(im->GetScalarPointer());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        // VTK images start at the bottom row; GIF rows start at the top.
        const std::uint8_t* p = px + (static_cast<std::size_t>(h - 1 - y) * w + x) * comps;
        const int r = (p[0] * 5 + 127) / 255, g = (p[1] * 6 + 127) / 255,
                  b = (p[2] * 5 + 127) / 255;
        idx[static_cast<std::size_t>(y) * w + x] = static_cast<std::uint8_t>(r * 42 + g * 6 + b);
      }
    const std::uint8_t gce[] = {0x21,
                                0xF9,
                                4,
                                0x04,
                                static_cast<std::uint8_t>(delay_cs & 0xff),
                                static_cast<std::uint8_t>(delay_cs >> 8),
                                0,
                                0};
    out.insert(out.end(), gce, gce + sizeof gce);
    out.push_back(0x2C);
    put16(0);
    put16(0);
    put16(w);
    put16(h);
    out.push_back(0);
    out.push_back(8);  // LZW minimum code size
    LzwWriter(out).encode(idx, 8);
  }
  out.push_back(0x3B);
  const std::string partial = path + ".partial";
  {
    std::ofstream file(partial, std::ios::binary);
    file.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (!file) throw Error(path + ": cannot write the GIF");
  }
  fs::rename(partial, path);
}

}  // namespace

std::string write_movie(const std::string& dir, const std::vector<std::string>& frames,
                        double frames_per_second, std::string& note) {
  const fs::path mp4 = fs::path(dir) / "movie.mp4";
  const fs::path gif = fs::path(dir) / "movie.gif";
  const std::string ffmpeg = find_program("ffmpeg");
  if (!ffmpeg.empty()) {
    // Frames are copied to consecutive names in a private directory so the image2 pattern
    // never meets characters of the user's path.
    TempDir tmp;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "frame_%05zu.png", i);
      fs::copy_file(frames[i], tmp.path / name);
    }
    char fps[32];
    std::snprintf(fps, sizeof fps, "%g", frames_per_second);
    const std::string partial = mp4.string() + ".partial";
    const std::string log = (tmp.path / "ffmpeg.log").string();
    const int rc = run_program({ffmpeg,
                                "-nostdin",
                                "-y",
                                "-loglevel",
                                "error",
                                "-framerate",
                                fps,
                                "-i",
                                (tmp.path / "frame_%05d.png").string(),
                                "-vf",
                                "scale=trunc(iw/2)*2:trunc(ih/2)*2",
                                "-c:v",
                                "libx264",
                                "-pix_fmt",
                                "yuv420p",
                                "-r",
                                "25",
                                "-f",
                                "mp4",
                                partial},
                               log);
    std::error_code ec;
    if (rc == 0 && fs::exists(partial, ec) && fs::file_size(partial, ec) > 0) {
      fs::rename(partial, mp4);
      note = "movie.mp4 by ffmpeg";
      return mp4.string();
    }
    fs::remove(partial, ec);
    note = "ffmpeg failed (exit " + std::to_string(rc) + "): wrote movie.gif instead";
  } else {
    note = "ffmpeg not found on PATH: wrote movie.gif instead";
  }
  write_gif(gif.string(), frames, frames_per_second);
  return gif.string();
}

}  // namespace skinheal::render::detail
