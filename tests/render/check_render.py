#!/usr/bin/python3
"""Checks for `skinheal render` and `skinheal info` (run by CTest, see
tests/CMakeLists.d/render.cmake). Usage: check_render.py MODE SKINHEAL WORKDIR [SOURCE_DIR]

Modes: setup (runs the fixtures), images2d, channel, zoom (--depth-um), images3d, gif, info,
badinput, xvfb (concurrent renders and Xvfb failures), display (a DISPLAY set by the user: dead
or live). Every mode asserts numbers and exits non-zero with a message on the first failed check
(and the last skinheal command's exit, stdout and stderr).
Rendering runs with DISPLAY unset, so skinheal must start its own Xvfb. PNGs are decoded here
with zlib (no imaging library).
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import zlib


# The last skinheal command run here, so that any failed check also shows what skinheal said.
LAST_RUN = {}


def describe_run(r):
    if r.returncode < 0:
        try:
            how = "was killed by signal %s" % signal.Signals(-r.returncode).name
        except ValueError:
            how = "was killed by signal %d" % -r.returncode
    else:
        how = "exited %d" % r.returncode
    return "%s %s\nstdout:\n%s\nstderr:\n%s" % (" ".join(r.args), how, r.stdout, r.stderr)


def fail(msg):
    print("FAIL: " + msg)
    if LAST_RUN:
        print("last skinheal command: " + describe_run(LAST_RUN["run"]))
    sys.stdout.flush()
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def read_png(path):
    """Decode an 8-bit RGB/RGBA PNG into (width, height, channels, rows of bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", path + ": not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            check(depth == 8 and colour in (2, 6), path + ": expected 8-bit RGB(A)")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def pixel(img, x, y):
    w, h, ch, rows = img
    return tuple(rows[y][x * ch:x * ch + 3])


def luminance_std(img):
    w, h, ch, rows = img
    s = s2 = n = 0
    for y in range(0, h, 2):
        row = rows[y]
        for x in range(0, w, 2):
            v = 0.299 * row[x * ch] + 0.587 * row[x * ch + 1] + 0.114 * row[x * ch + 2]
            s += v
            s2 += v * v
            n += 1
    mean = s / n
    return max(s2 / n - mean * mean, 0.0) ** 0.5


def run(cmd, env=None, expect=0):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    LAST_RUN["run"] = r
    if expect is not None and r.returncode != expect:
        fail("expected exit %d" % expect)
    return r


def headless_env():
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env["OMP_NUM_THREADS"] = "1"
    return env


def ensure_result(skinheal, work, source, name):
    """Run tests/render/NAME.toml into WORK/NAME.h5 once (reused by later modes)."""
    out = os.path.join(work, name + ".h5")
    if not os.path.exists(out):
        os.makedirs(work, exist_ok=True)
        run([skinheal, "run", os.path.join(source, "tests", "render", name + ".toml"), "-o", out,
             "--force"], env=headless_env())
    check(os.path.exists(out), out + " was not written")
    return out


def snapshot_count(h5):
    import h5py
    with h5py.File(h5, "r") as f:
        return len(f["time"])


def render(skinheal, h5, outdir, extra, env=None):
    shutil.rmtree(outdir, ignore_errors=True)
    r = run([skinheal, "render", h5, "-o", outdir] + extra, env=env or headless_env())
    manifest = os.path.join(outdir, "render.json")
    check(os.path.exists(manifest), manifest + " was not written")
    with open(manifest) as f:
        return r, json.load(f)


def mode_images2d(skinheal, work, source):
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    out = os.path.join(work, "images2d")
    r, manifest = render(skinheal, h5, out, ["--size", "900x640"])
    check("Xvfb started" in r.stdout, "expected skinheal to start Xvfb with DISPLAY unset:\n" +
          r.stdout)
    sections = [im for im in manifest["images"] if im["kind"] == "section"]
    n = snapshot_count(h5)
    check(n >= 3, "the fixture should have at least 3 snapshots, has %d" % n)
    check(len(sections) == n, "expected %d section images (one per snapshot), got %d" %
          (n, len(sections)))
    check(len(sections[0]["panels"]) == 2, "generic run: expected a panel per field (2)")
    for im in sections + [{"file": "timeline.png"}]:
        img = read_png(os.path.join(out, im["file"]))
        check(img[0] == 900 and img[1] == 640,
              "%s is %dx%d, expected 900x640" % (im["file"], img[0], img[1]))
        sd = luminance_std(img)
        check(sd > 15.0, "%s looks blank (luminance std %.2f <= 15)" % (im["file"], sd))
        print("%s: 900x640, luminance std %.1f" % (im["file"], sd))
    movie = os.path.join(out, "movie.mp4")
    check(os.path.exists(movie) and os.path.getsize(movie) > 1000, "movie.mp4 missing or empty")
    with open(movie, "rb") as f:
        check(f.read(12)[4:8] == b"ftyp", "movie.mp4 is not an MP4 (no ftyp box)")
    leftovers = [f for f in os.listdir(out) if f.endswith(".partial")]
    check(not leftovers, "partial files left behind: %s" % leftovers)


def mode_channel(skinheal, work, source):
    """The marker occupies x in [600, 680) um, z in [0, 500) um of a 1000 um wide section."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    out = os.path.join(work, "channel")
    _, manifest = render(skinheal, h5, out,
                         ["--size", "800x700", "--field", "marker", "--snapshots", "last",
                          "--no-movie"])
    im = [i for i in manifest["images"] if i["kind"] == "section"]
    last = snapshot_count(h5) - 1
    check(len(im) == 1 and im[0]["snapshot"] == last, "expected one section of snapshot %d" % last)
    p = im[0]["panels"][0]
    img = read_png(os.path.join(out, im[0]["file"]))
    left, top, w, h = p["left_px"], p["top_px"], p["width_px"], p["height_px"]
    u0, u1 = p["u_um"]
    v0, v1 = p["v_um"]
    check(abs(u0) < 1e-9 and abs(u1 - 1000) < 1e-6, "panel x extent %s, expected [0, 1000]" %
          p["u_um"])
    check(w > 300, "panel only %d px wide" % w)

    def bright(px):  # the top of viridis (marker = 1) is yellow
        return px[0] > 180 and px[1] > 180 and px[2] < 120

    for depth in (120.0, 250.0, 450.0):
        y = top + int((depth - v0) / (v1 - v0) * h)
        cols = [x - left for x in range(left, left + w) if bright(pixel(img, x, y))]
        check(cols, "no marker pixels at depth %g um (row %d)" % (depth, y))
        exp_lo, exp_hi = 600.0 / 1000.0 * w, 680.0 / 1000.0 * w
        check(abs(cols[0] - exp_lo) <= 1.5 and abs(cols[-1] + 1 - exp_hi) <= 1.5,
              "depth %g um: marker in columns %d..%d, expected %.1f..%.1f" %
              (depth, cols[0], cols[-1] + 1, exp_lo, exp_hi))
        check(len(cols) == cols[-1] - cols[0] + 1, "marker columns not contiguous at %g um" % depth)
        print("depth %g um: marker in columns %d..%d (expected %.1f..%.1f)" %
              (depth, cols[0], cols[-1] + 1, exp_lo, exp_hi))
    y = top + int((700.0 - v0) / (v1 - v0) * h)
    below = [x for x in range(left, left + w) if bright(pixel(img, x, y))]
    check(not below, "marker pixels below the channel (depth 700 um): %d" % len(below))
    # Outside the channel the value is 0: the bottom of viridis (dark purple).
    px = pixel(img, left + w // 5, top + h // 2)
    check(px[2] > px[1] and px[0] < 120 and px[1] < 60, "background pixel %s not dark purple" %
          (px,))


def mode_zoom(skinheal, work, source):
    """--depth-um 400: the section shows depth 0..400 um and, with um square, the whole columns
    of the matching width around the middle (about 440 um of the 1000); the marker (x in
    [600, 680) um) lands in the right pixel columns of the cut."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    out = os.path.join(work, "zoom")
    _, manifest = render(skinheal, h5, out,
                         ["--size", "800x700", "--field", "marker", "--snapshots", "last",
                          "--no-movie", "--depth-um", "400"])
    im = [i for i in manifest["images"] if i["kind"] == "section"][0]
    p = im["panels"][0]
    u0, u1 = p["u_um"]
    v0, v1 = p["v_um"]
    left, top, w, h = p["left_px"], p["top_px"], p["width_px"], p["height_px"]
    check(abs(v0) < 1e-9 and abs(v1 - 400) < 1e-6, "zoomed depth extent %s, expected [0, 400]" %
          p["v_um"])
    check(0 <= u0 < u1 <= 1000 and abs((u0 + u1) / 2 - 500) <= 20,
          "zoomed x extent %s is not a cut around the middle of [0, 1000]" % p["u_um"])
    check(abs((u1 - u0) / w - (v1 - v0) / h) <= 0.02 * (v1 - v0) / h,
          "zoomed panel is not um-square: %.3f um/px across, %.3f down" %
          ((u1 - u0) / w, (v1 - v0) / h))
    check(u1 - u0 < 600, "zoomed x extent %s is not narrower than the section" % p["u_um"])
    img = read_png(os.path.join(out, im["file"]))
    y = top + int((250.0 - v0) / (v1 - v0) * h)
    cols = [x - left for x in range(left, left + w)
            if pixel(img, x, y)[0] > 180 and pixel(img, x, y)[1] > 180 and pixel(img, x, y)[2] < 120]
    lo, hi = max(600.0, u0), min(680.0, u1)
    check(hi > lo, "the zoomed cut %s misses the marker" % p["u_um"])
    if hi > lo:
        exp_lo, exp_hi = (lo - u0) / (u1 - u0) * w, (hi - u0) / (u1 - u0) * w
        check(cols and abs(cols[0] - exp_lo) <= 1.5 and abs(cols[-1] + 1 - exp_hi) <= 1.5,
              "zoomed marker columns %s, expected %.1f..%.1f" %
              ((cols[0], cols[-1] + 1) if cols else None, exp_lo, exp_hi))
    else:
        check(not cols, "marker pixels outside the marker's x range")
    print("--depth-um 400: x %s um, depth %s um in %dx%d px; marker columns %s" %
          (p["u_um"], p["v_um"], w, h, (cols[0], cols[-1] + 1) if cols else None))
    r = run([skinheal, "render", h5, "-o", os.path.join(work, "zoom_bad"), "--depth-um", "5000"],
            env=headless_env(), expect=2)
    check("--depth-um" in r.stderr and not os.path.exists(os.path.join(work, "zoom_bad")),
          "--depth-um 5000: expected one error line and no output")


def mode_images3d(skinheal, work, source):
    h5 = ensure_result(skinheal, work, source, "channel_3d")
    out = os.path.join(work, "images3d")
    _, manifest = render(skinheal, h5, out, ["--size", "800x800", "--snapshots", "first,last",
                                             "--field", "clot", "--field", "agent"])
    slices = [i for i in manifest["images"] if i["kind"] == "slices3d"]
    check(len(slices) == 2, "expected 2 slices3d images, got %d" % len(slices))
    # The isosurface level is inside that snapshot's range of the field drawn (else the 3D
    # view is empty); the default field is the first candidate that is not uniform.
    # (The first snapshot has a uniform clot: no surface to draw there.)
    check(slices[-1].get("isosurface") is not None, "%s: no isosurface recorded in render.json" %
          slices[-1]["file"])
    for im in slices:
        iso = im.get("isosurface")
        if iso is None:
            continue
        lo, hi = iso["range"]
        check(lo < iso["level"] < hi, "%s: isosurface %s = %g outside its range [%g, %g]" %
              (im["file"], iso["field"], iso["level"], lo, hi))
        print("%s: isosurface %s = %g within [%g, %g]" % (im["file"], iso["field"], iso["level"],
                                                            lo, hi))
    views = [p["view"] for p in slices[0]["panels"]]
    check(views == ["x-depth", "y-depth", "x-y"], "unexpected 3D views %s" % views)
    img = read_png(os.path.join(out, slices[-1]["file"]))
    check(img[0] == 800 and img[1] == 800, "slices3d size %dx%d" % (img[0], img[1]))
    sd = luminance_std(img)
    check(sd > 15.0, "slices3d image looks blank (std %.2f)" % sd)
    # The isosurface (red) must appear in the 3D view quadrant (bottom right).
    red = 0
    for y in range(img[1] // 2, img[1], 2):
        for x in range(img[0] // 2, img[0], 2):
            r, g, b = pixel(img, x, y)
            red += r > 120 and g < 80 and b < 80
    check(red > 50, "no isosurface pixels in the 3D view (%d red pixels)" % red)
    # The channel column lands in the middle of the x-depth slice: x in [180, 220) of 400 um.
    p = slices[-1]["panels"][0]
    y = p["top_px"] + int((100.0 - p["v_um"][0]) / (p["v_um"][1] - p["v_um"][0]) * p["height_px"])
    cols = [x - p["left_px"] for x in range(p["left_px"], p["left_px"] + p["width_px"])
            if pixel(img, x, y)[0] > 180 and pixel(img, x, y)[1] > 180]
    exp_lo, exp_hi = 180 / 400 * p["width_px"], 220 / 400 * p["width_px"]
    check(cols and abs(cols[0] - exp_lo) <= 1.5 and abs(cols[-1] + 1 - exp_hi) <= 1.5,
          "3D x-depth slice: channel columns %s, expected %.1f..%.1f" %
          ((cols[0], cols[-1] + 1) if cols else None, exp_lo, exp_hi))
    print("3D: %d red isosurface pixels; channel columns %d..%d" % (red, cols[0], cols[-1] + 1))


def mode_gif(skinheal, work, source):
    """Without ffmpeg on PATH the movie falls back to an animated GIF that ffmpeg can decode."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    out = os.path.join(work, "gif")
    bindir = os.path.join(work, "path_without_ffmpeg")
    shutil.rmtree(bindir, ignore_errors=True)
    os.makedirs(bindir)
    xvfb = shutil.which("Xvfb")
    check(xvfb is not None, "Xvfb not installed")
    os.symlink(xvfb, os.path.join(bindir, "Xvfb"))
    env = headless_env()
    env["PATH"] = bindir
    r, manifest = render(skinheal, h5, out, ["--size", "400x300", "--field", "marker"], env=env)
    gif = os.path.join(out, "movie.gif")
    check(os.path.exists(gif) and not os.path.exists(os.path.join(out, "movie.mp4")),
          "expected movie.gif and no movie.mp4")
    check("ffmpeg not found" in r.stdout, "no note about the GIF fallback:\n" + r.stdout)
    with open(gif, "rb") as f:
        data = f.read()
    check(data[:6] == b"GIF89a" and data[-1:] == b";", "movie.gif header/trailer wrong")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg absent: GIF header checked only")
        return
    dec = subprocess.run([ffmpeg, "-v", "error", "-i", gif, "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True)
    check(dec.returncode == 0, "ffmpeg cannot decode movie.gif: " + dec.stderr.decode())
    frame = 400 * 300 * 3
    n = snapshot_count(h5)
    check(len(dec.stdout) == n * frame, "movie.gif has %d frames, expected %d" %
          (len(dec.stdout) // frame, n))
    # The last frame matches the last PNG to within the colour-cube quantisation.
    png = read_png(os.path.join(out, "section_%03d.png" % (n - 1)))
    last = dec.stdout[-frame:]
    err = 0
    for y in range(0, 300, 3):
        for x in range(0, 400, 3):
            a = pixel(png, x, y)
            b = last[(y * 400 + x) * 3:(y * 400 + x) * 3 + 3]
            err += sum(abs(a[i] - b[i]) for i in range(3)) / 3
    err /= (100 * 134)
    check(err < 30, "GIF frame differs from the PNG by %.1f per channel on average" % err)
    print("GIF: %d frames decoded, mean abs difference %.1f" % (len(dec.stdout) // frame, err))


def mode_info(skinheal, work, source):
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    r = run([skinheal, "info", h5])
    out = r.stdout
    print(out)
    for needle in ["status complete", "a render test fixture", "grid: 2D, 50 x",
                   "epidermis", "dermis", "0.0 ..    100.0", "100.0 ..   1000.0",
                   "marker           [1]", "spread           [ug/cm^3]",
                   "snapshots (", "10 min", "1 h", "events: session_1 at 0 s",
                   "outcomes: per-layer means"]:
        check(needle in out, "info output lacks '%s'" % needle)
    # The marker's dermis mean: 80 um of 1000 um width, 400 of 900 um depth -> 0.08 * 4/9.
    line = [l for l in out.splitlines() if l.strip().startswith("dermis")]
    check(line, "no dermis outcome line")


def mode_badinput(skinheal, work, source):
    good = ensure_result(skinheal, work, source, "channel_2d")
    bad = os.path.join(work, "bad")
    shutil.rmtree(bad, ignore_errors=True)
    os.makedirs(bad)
    cases = {}
    cases["missing"] = (os.path.join(bad, "missing.h5"), "no such file")
    text = os.path.join(bad, "text.h5")
    with open(text, "w") as f:
        f.write("this is not HDF5\n" * 100)
    cases["text"] = (text, "not an HDF5 file")
    trunc = os.path.join(bad, "truncated.h5")
    with open(good, "rb") as f:
        data = f.read()
    with open(trunc, "wb") as f:
        f.write(data[:len(data) // 2])
    cases["truncated"] = (trunc, "truncated")
    foreign = os.path.join(bad, "foreign.h5")
    import h5py
    with h5py.File(foreign, "w") as f:
        f["temperature"] = [1.0, 2.0]
        f.attrs["format"] = "weather station"
    cases["foreign"] = (foreign, "not a skinheal result")
    foreign2 = os.path.join(bad, "foreign2.h5")
    with h5py.File(foreign2, "w") as f:
        f.create_group("fields")
    cases["foreign_no_format"] = (foreign2, "not a skinheal result")
    cases["directory"] = (bad, "is a directory")
    for name, (path, reason) in cases.items():
        for cmd in (["info", path], ["render", path, "-o", os.path.join(bad, "out_" + name)]):
            r = run([skinheal] + cmd, env=headless_env(), expect=None)
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            check(r.returncode == 2, "%s %s: exit %d, expected 2" % (cmd[0], name, r.returncode))
            check(len(lines) == 1, "%s %s: expected one line on stderr, got:\n%s" %
                  (cmd[0], name, r.stderr))
            check(path in lines[0] and reason in lines[0],
                  "%s %s: message lacks the file or '%s': %s" % (cmd[0], name, reason, lines[0]))
            check(r.stdout == "", "%s %s: printed on stdout: %s" % (cmd[0], name, r.stdout))
            if cmd[0] == "render":
                check(not os.path.exists(cmd[3]), "render %s created %s" % (name, cmd[3]))
            print("%-8s %-18s exit 2: %s" % (cmd[0], name, lines[0]))
    # Bad options on a good file: one line, exit 2, nothing created.
    for opts, reason in ((["--field", "colagen"], "no field 'colagen'"),
                         (["--snapshots", "7"], "out of range"),
                         (["--size", "big"], "--size")):
        target = os.path.join(bad, "out_opts")
        r = run([skinheal, "render", good, "-o", target] + opts, env=headless_env(), expect=None)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        check(r.returncode == 2 and len(lines) == 1 and reason in lines[0],
              "render %s: exit %d, stderr %r" % (opts, r.returncode, r.stderr))
        check(not os.path.exists(target), "render %s created the output directory" % opts)
        print("render %-22s exit 2: %s" % (" ".join(opts), lines[0]))
    # -o naming a file, or a directory that cannot be created: one line, exit 2.
    for target, reason in ((good, "is not a directory"),
                           ("/proc/skinheal_render_test/x", "cannot create the output directory")):
        r = run([skinheal, "render", good, "-o", target], env=headless_env(), expect=None)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        check(r.returncode == 2 and len(lines) == 1 and reason in lines[0],
              "render -o %s: exit %d, stderr %r" % (target, r.returncode, r.stderr))
        print("render -o %-22s exit 2: %s" % (target, lines[0]))
    check(os.path.isfile(good), "render -o FILE damaged the file")


def x_setup(number):
    """Connect to X display :NUMBER (abstract socket) and send the connection setup request."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect("\0/tmp/.X11-unix/X%d" % number)
    sock.sendall(struct.pack("<BxHHHHxx", 0x6C, 11, 0, 0, 0))  # little-endian, X11.0, no auth
    return sock


def x_setup_reply(sock):
    """What the server answered to x_setup: accepted, refused, authenticate or dropped."""
    sock.settimeout(30)
    try:
        first = sock.recv(1)
    except OSError as e:
        return "dropped (%s)" % e
    finally:
        sock.close()
    return {b"\x01": "accepted", b"\x00": "refused", b"\x02": "authenticate"}.get(first, "dropped")


def xvfb_probe_wrapper(args):
    """Stands in for Xvfb in mode xvfb: starts the real one (SKINHEAL_TEST_REAL_XVFB) with
    skinheal's arguments, and before handing the display number on to skinheal checks that the
    server keeps a client that connects while the previous last client disconnects. That is
    what VTK does between two images (it closes one window's X connection and opens the next
    at once); on a loaded machine the server sees both in one poll, and an X server that resets
    when its last client leaves (the default without -noreset) drops the newcomer, so VTK
    aborted with "bad X server connection". Freezing the server (SIGSTOP) while the first
    client leaves and the second arrives makes that order certain. Appends one JSON line per
    server to SKINHEAL_TEST_PROBE_LOG."""
    import ctypes
    real, log = os.environ["SKINHEAL_TEST_REAL_XVFB"], os.environ["SKINHEAL_TEST_PROBE_LOG"]
    args = list(args)
    at = args.index("-displayfd") + 1
    to_skinheal = int(args[at])
    r, w = os.pipe()
    args[at] = str(w)
    libc = ctypes.CDLL(None)
    xvfb = subprocess.Popen([real] + args, pass_fds=(w,),
                            preexec_fn=lambda: libc.prctl(1, signal.SIGTERM))  # PDEATHSIG
    os.close(w)
    signal.signal(signal.SIGTERM, lambda *_: xvfb.terminate())
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 32)
        if not chunk:
            sys.exit(xvfb.wait())  # the real Xvfb failed: so does its stand-in
        number += chunk
    n = int(number)
    last = x_setup(n)
    last.settimeout(30)
    first = {b"\x01": "accepted"}.get(last.recv(1), "not accepted")  # the server's only client
    os.kill(xvfb.pid, signal.SIGSTOP)
    try:
        last.close()  # ... leaves
        newcomer = x_setup(n)  # ... and the next one arrives before the server looks
    finally:
        os.kill(xvfb.pid, signal.SIGCONT)
    second = x_setup_reply(newcomer)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (json.dumps({"display": n, "first": first, "second": second}) + "\n").encode())
    os.close(fd)
    os.write(to_skinheal, number)
    os.close(to_skinheal)
    sys.exit(xvfb.wait())


def mode_xvfb(skinheal, work, source):
    """Private displays: three renders at once, DISPLAY unset, each start their own Xvfb, which
    must keep a client that arrives as the last one leaves (xvfb_probe_wrapper); all three
    succeed. A failing Xvfb and a missing one each give one line on stderr (the command, what
    went wrong, `apt-get install xvfb xauth`), exit 2 and no output directory."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    n = snapshot_count(h5)
    xvfb = shutil.which("Xvfb")
    check(xvfb is not None, "Xvfb not installed")
    bindir = os.path.join(work, "xvfb_probe_bin")
    shutil.rmtree(bindir, ignore_errors=True)
    os.makedirs(bindir)
    with open(os.path.join(bindir, "Xvfb"), "w") as f:
        f.write('#!/bin/sh\nexec %s %s --xvfb-probe "$@"\n' % (sys.executable,
                                                                 os.path.abspath(__file__)))
    os.chmod(os.path.join(bindir, "Xvfb"), 0o755)
    log = os.path.join(work, "xvfb_probe.log")
    if os.path.exists(log):
        os.remove(log)
    env = headless_env()
    env.update(PATH=bindir + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
               SKINHEAL_TEST_REAL_XVFB=xvfb, SKINHEAL_TEST_PROBE_LOG=log)
    procs = []
    for k in range(3):
        out = os.path.join(work, "xvfb_%d" % k)
        shutil.rmtree(out, ignore_errors=True)
        cmd = [skinheal, "render", h5, "-o", out, "--size", "400x300", "--no-movie"]
        procs.append((out, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True, env=env)))
    for out, p in procs:
        stdout, stderr = p.communicate(timeout=240)
        LAST_RUN["run"] = subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr)
        check(p.returncode == 0, "a render of three at once failed")
        check("Xvfb started for this run" in stdout, "expected its own Xvfb")
        with open(os.path.join(out, "render.json")) as f:
            images = json.load(f)["images"]
        check(len(images) == n + 1, "%s: %d images, expected %d" % (out, len(images), n + 1))
        print(stdout.strip().splitlines()[-1])
    with open(log) as f:
        probes = [json.loads(line) for line in f]
    check(len(probes) == 3, "expected 3 Xvfb probes, got %d" % len(probes))
    for pr in probes:
        check(pr["first"] == "accepted", "display :%d refused a first client: %s" %
              (pr["display"], pr["first"]))
        check(pr["second"] == "accepted",
              "display :%d %s a client that connected as the last one left: the X server resets "
              "when its last client disconnects (Xvfb needs -noreset), so VTK's next window "
              "would fail with 'bad X server connection'" % (pr["display"], pr["second"]))
    print("3 renders at once: each its own Xvfb, displays %s; each keeps a client arriving as "
          "the last leaves" % sorted(pr["display"] for pr in probes))

    # Xvfb that fails at start-up (as when it cannot listen), and no Xvfb at all.
    faildir = os.path.join(work, "xvfb_fail_bin")
    shutil.rmtree(faildir, ignore_errors=True)
    os.makedirs(faildir)
    with open(os.path.join(faildir, "Xvfb"), "w") as f:
        f.write("#!/bin/sh\necho '(EE) ' >&2\necho 'Fatal server error:' >&2\n"
                "echo \"(EE) Cannot establish any listening sockets(EE) \" >&2\n"
                "echo '(EE) Please consult the The X.Org Foundation support ' >&2\nexit 1\n")
    os.chmod(os.path.join(faildir, "Xvfb"), 0o755)
    emptydir = os.path.join(work, "xvfb_empty_bin")
    os.makedirs(emptydir, exist_ok=True)
    for name, path, needles in (
            ("failing", faildir, [os.path.join(faildir, "Xvfb") + " -displayfd",
                                  "exited with status 1",
                                  "Cannot establish any listening sockets"]),
            ("missing", emptydir, ["Xvfb is not on PATH"])):
        out = os.path.join(work, "xvfb_" + name)
        shutil.rmtree(out, ignore_errors=True)
        env = headless_env()
        env["PATH"] = path
        r = run([skinheal, "render", h5, "-o", out, "--no-movie"], env=env, expect=2)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        check(len(lines) == 1, "%s Xvfb: expected one line on stderr" % name)
        for needle in needles + ["apt-get install xvfb xauth"]:
            check(needle in lines[0], "%s Xvfb: the error lacks '%s'" % (name, needle))
        check(not os.path.exists(out), "%s Xvfb: %s was created" % (name, out))
        print("%s Xvfb: exit 2: %s" % (name, lines[0]))


def dead_display_number():
    """A display number no X server listens on (neither socket file nor abstract socket)."""
    for n in range(7700, 7800):
        if os.path.exists("/tmp/.X11-unix/X%d" % n):
            continue
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect("\0/tmp/.X11-unix/X%d" % n)
        except OSError:
            return n
        finally:
            sock.close()
    fail("no free display number in 7700..7799")


def mode_display(skinheal, work, source):
    """DISPLAY set by the user. A dead one (a stale SSH or container DISPLAY) must not reach
    VTK, which aborts the process ("bad X server connection", SIGABRT, an empty output
    directory): skinheal renders on a private Xvfb instead and says so in one line, or, without
    Xvfb, fails with one line (exit 2) naming the display, and creates nothing. A live one is
    used as it is (no Xvfb started)."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    n = dead_display_number()
    xvfb = shutil.which("Xvfb")
    check(xvfb is not None, "Xvfb not installed")

    # Dead DISPLAY, Xvfb available: rendered on a private Xvfb, one line on stderr.
    out = os.path.join(work, "display_dead")
    shutil.rmtree(out, ignore_errors=True)
    env = headless_env()
    env["DISPLAY"] = ":%d" % n
    r = run([skinheal, "render", h5, "-o", out, "--size", "400x300", "--snapshots", "last",
             "--no-movie"], env=env, expect=None)
    check(r.returncode == 0, "dead DISPLAY=:%d: exit %d, expected 0 (fall back to Xvfb)" %
          (n, r.returncode))
    check("Xvfb started for this run" in r.stdout, "dead DISPLAY: no private Xvfb started")
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(len(lines) == 1 and ("DISPLAY=:%d" % n) in lines[0] and "private Xvfb" in lines[0],
          "dead DISPLAY: expected one line on stderr naming DISPLAY=:%d and the private Xvfb" % n)
    check(os.path.exists(os.path.join(out, "render.json")), "dead DISPLAY: no render.json")
    print("dead DISPLAY=:%d, Xvfb available: exit 0; %s" % (n, lines[0]))

    # Dead DISPLAY and no Xvfb: one line, exit 2, no output directory.
    emptydir = os.path.join(work, "display_empty_bin")
    os.makedirs(emptydir, exist_ok=True)
    out = os.path.join(work, "display_dead_noxvfb", "sub")
    shutil.rmtree(os.path.dirname(out), ignore_errors=True)
    env["PATH"] = emptydir
    r = run([skinheal, "render", h5, "-o", out, "--no-movie"], env=env, expect=None)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2, "dead DISPLAY without Xvfb: exit %d, expected 2" % r.returncode)
    check(len(lines) == 1, "dead DISPLAY without Xvfb: expected one line on stderr")
    for needle in ("DISPLAY=:%d cannot be used" % n, "Xvfb is not on PATH",
                   "apt-get install xvfb xauth"):
        check(needle in lines[0], "dead DISPLAY without Xvfb: the error lacks '%s'" % needle)
    check(not os.path.exists(os.path.dirname(out)),
          "dead DISPLAY without Xvfb: %s was created" % os.path.dirname(out))
    print("dead DISPLAY=:%d, no Xvfb: exit 2: %s" % (n, lines[0]))

    # A live DISPLAY of the user's: used as it is, nothing started.
    rfd, wfd = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(wfd), "-screen", "0", "640x480x24",
                               "-nolisten", "tcp"], pass_fds=(wfd,), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(wfd)
    try:
        number = b""
        while not number.endswith(b"\n"):
            chunk = os.read(rfd, 32)
            check(chunk, "the test's own Xvfb did not start")
            number += chunk
        live = int(number)
        out = os.path.join(work, "display_live")
        shutil.rmtree(out, ignore_errors=True)
        env = headless_env()
        env["DISPLAY"] = ":%d" % live
        r = run([skinheal, "render", h5, "-o", out, "--size", "400x300", "--no-movie"], env=env)
        check("Xvfb started" not in r.stdout and ("display :%d" % live) in r.stdout,
              "live DISPLAY=:%d was not used as it is" % live)
        check(r.stderr.strip() == "", "live DISPLAY: printed on stderr")
        with open(os.path.join(out, "render.json")) as f:
            check(len(json.load(f)["images"]) == snapshot_count(h5) + 1,
                  "live DISPLAY: wrong number of images")
        print("live DISPLAY=:%d: used as it is" % live)
    finally:
        os.close(rfd)
        server.terminate()
        server.wait()


def mode_rz(skinheal, work, source):
    """An r–z unit cell's sections are labelled with the radius: view "r-depth", not x."""
    out_h5 = os.path.join(work, "unit_cell_rz.h5")
    run([skinheal, "run", os.path.join(source, "scenarios", "unit_cell_rz.toml"), "-o", out_h5,
         "--force", "--quiet", "--set", 'time.end="1 h"', "--set", 'treatment.sessions=["0 d"]'],
        env=headless_env())
    _, manifest = render(skinheal, out_h5, os.path.join(work, "rz"),
                         ["--snapshots", "last", "--no-movie"])
    views = sorted({p["view"] for im in manifest["images"] if im["kind"] == "section"
                    for p in im["panels"]})
    check(views == ["r-depth"], "r-z sections: expected the view r-depth, got %s" % views)
    info = run([skinheal, "info", out_h5]).stdout
    check("r-z unit cell" in info and "outer radius R" in info,
          "skinheal info should say the file is an r-z unit cell:\n" + info)
    # Narrow sections go side by side in one row (panel_columns), each nearly the image's height.
    panels = [p for im in manifest["images"] if im["kind"] == "section" for p in im["panels"]]
    tall = all(p["height_px"] >= 0.8 * manifest["height"] for p in panels)
    check(len({p["top_px"] for p in panels}) == 1 and tall,
          "r-z sections should fill one row: %s" %
          [(p["left_px"], p["top_px"], p["height_px"]) for p in panels])
    # Zoomed, an r-z section keeps the axis (the puncture) at its left edge.
    _, zoomed = render(skinheal, out_h5, os.path.join(work, "rz_zoom"),
                       ["--snapshots", "last", "--no-movie", "--depth-um", "200"])
    lefts = {p["u_um"][0] for im in zoomed["images"] if im["kind"] == "section"
             for p in im["panels"]}
    check(lefts == {0}, "zoomed r-z sections should start at r = 0, start at %s" % lefts)


def mode_rerender(skinheal, work, source):
    """A second render into the same directory leaves one render: the first one's files that
    the second does not write again (sections, the movie) are gone; other files are kept."""
    h5 = ensure_result(skinheal, work, source, "channel_2d")
    out = os.path.join(work, "rerender")
    shutil.rmtree(out, ignore_errors=True)
    run([skinheal, "render", h5, "-o", out], env=headless_env())
    first = set(os.listdir(out))
    check("movie.mp4" in first and sum(f.startswith("section_") for f in first) >= 3,
          "first render: expected sections and a movie, got %s" % sorted(first))
    with open(os.path.join(out, "render.json")) as f:
        check(json.load(f).get("movie") == "movie.mp4", "render.json should name the movie")
    with open(os.path.join(out, "notes.txt"), "w") as f:
        f.write("the user's own file\n")
    run([skinheal, "render", h5, "-o", out, "--snapshots", "last", "--no-movie"],
        env=headless_env())
    with open(os.path.join(out, "render.json")) as f:
        listed = {im["file"] for im in json.load(f)["images"]}
    left = set(os.listdir(out))
    # A movie the user made in a directory whose manifest names none is theirs: kept.
    with open(os.path.join(out, "movie.gif"), "wb") as f:
        f.write(b"GIF89a")
    run([skinheal, "render", h5, "-o", out, "--snapshots", "last", "--no-movie"],
        env=headless_env())
    check(os.path.exists(os.path.join(out, "movie.gif")), "render removed the user's movie.gif")
    os.remove(os.path.join(out, "movie.gif"))
    left = set(os.listdir(out))
    check(left == listed | {"render.json", "notes.txt"},
          "after the second render: %s, expected %s" % (sorted(left),
                                                         sorted(listed | {"render.json",
                                                                          "notes.txt"})))


def mode_setup(skinheal, work, source):
    for name in ("channel_2d", "channel_3d"):
        path = os.path.join(work, name + ".h5")
        if os.path.exists(path):
            os.remove(path)
        ensure_result(skinheal, work, source, name)
        print("wrote " + path)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--xvfb-probe":
        xvfb_probe_wrapper(sys.argv[2:])
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    mode, skinheal, work = sys.argv[1], sys.argv[2], sys.argv[3]
    source = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(__file__), "..",
                                                                "..")
    modes = {"setup": mode_setup, "images2d": mode_images2d, "channel": mode_channel,
             "images3d": mode_images3d, "gif": mode_gif, "info": mode_info,
             "badinput": mode_badinput, "xvfb": mode_xvfb, "display": mode_display,
             "zoom": mode_zoom, "rz": mode_rz, "rerender": mode_rerender}
    check(mode in modes, "unknown mode " + mode)
    modes[mode](skinheal, os.path.abspath(work), source)
    print("OK " + mode)


if __name__ == "__main__":
    main()
