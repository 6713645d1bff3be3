/// \file core.cpp
/// \brief `skinheal._core`: the pybind11 bindings under the pure-Python `skinheal` package.
///
/// Small surface, wrapped by skinheal/*.py (users never need _core directly):
///  - check(text, name, overrides) → effective parameters; the CLI's `check` (ValueError on bad
///    input, with the CLI's message);
///  - apply_overrides(text, name, overrides) → scenario text with "key=TOML value" overrides;
///  - Simulation(text, name, overrides): a built scenario. step(), advance() (GIL released
///    while C++ runs, Ctrl-C checked between steps), field(name) as a NumPy view on the engine's
///    storage, grid geometry, per-layer means, the skin summary table, attach_output() (the
///    CLI's HDF5 writer);
///  - parse_time_s / format_duration (engine/input/units.hpp), set/get the OpenMP thread count.
///
/// Errors: skinheal::InputError → ValueError, skinheal::NumericalError → _core.NumericalError
/// (a RuntimeError), any other skinheal::Error → RuntimeError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/grid.hpp"
#include "engine/input/units.hpp"
#include "engine/output/hdf5_writer.hpp"
#include "engine/parallel.hpp"
#include "models/scenario_file.hpp"
#include "models/skin_observables.hpp"

namespace py = pybind11;
using namespace skinheal;

namespace {

/// A scenario's warnings (e.g. a grid that leaves out a layer) as Python UserWarnings, which
/// Python shows once per message and place instead of at every load (the CLI prints them).
void warn_python(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings)
    if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 1) < 0) throw py::error_already_set();
}

py::dict step_info_dict(const StepInfo& s) {
  py::dict d;
  d["t_s"] = s.t_s;
  d["dt_s"] = s.dt_s;
  d["error_norm"] = s.error_norm;
  d["accepted"] = s.accepted;
  d["rejected"] = s.rejected;
  return d;
}

/// \brief One built scenario and its Simulation, as Python sees it.
///
/// NumPy views: field(name) returns an array on the FieldSet's storage, which must stay at one
/// address for the views to remain valid and current. The engine's step currently swaps its
/// storage vector with its step-doubling scratch vector (engine/simulation.cpp, `coarse_.swap`),
/// so the buffer alternates between two allocations, both owned by the Simulation for its
/// whole life (std::vector::swap keeps element pointers valid). `pinned_` is the buffer the
/// views point at; sync_in() before stepping and sync_out() after stepping copy between it and
/// the live buffer when they differ. If the engine stops swapping, both are no-ops.
class PySimulation {
 public:
  PySimulation(const std::string& text, const std::string& name,
               const std::vector<std::string>& overrides)
      : loaded_(models::load_scenario_text(text, name, overrides)) {
    // (its warnings were given when the Scenario was checked)
    pinned_ = sim().fields().storage().data();
  }

  Simulation& sim() { return *loaded_.built.simulation; }
  const Simulation& sim() const { return *loaded_.built.simulation; }

  double time_s() const { return sim().time_s(); }
  double end_time_s() const { return loaded_.built.end_time_s; }
  const std::vector<double>& snapshot_times_s() const { return loaded_.built.snapshot_times_s; }
  const std::string& description() const { return loaded_.built.description; }
  const std::string& text() const { return loaded_.text; }
  std::vector<std::array<std::string, 3>> parameters() const { return loaded_.parameters; }

  /// One accepted step, not past t_limit_s (nor past the output's next snapshot time).
  py::dict step(double t_limit_s) {
    sync_in();
    StepInfo info;
    try {
      py::gil_scoped_release release;
      info = sim().step(t_limit_s);
    } catch (...) {
      sync_out();
      throw;
    }
    sync_out();
    return step_info_dict(info);
  }

  /// Steps until t_end_s, releasing the GIL for each step and checking for signals (Ctrl-C)
  /// between steps with the GIL held; calls callback(info) at most every interval_s of wall
  /// time; finally notifies observers that the run reached t_end_s (finalises output).
  void advance(double t_end_s, py::object callback, double interval_s) {
    if (!(t_end_s >= sim().time_s() - 1e-9 * std::max(1.0, sim().time_s())))
      throw InputError("run: until = " + format_duration(t_end_s) + " is before the current time " +
                       format_duration(sim().time_s()));
    sync_in();
    auto last_call = std::chrono::steady_clock::now();
    try {
      while (sim().time_s() < t_end_s * (1.0 - 1e-12)) {
        StepInfo info;
        {
          py::gil_scoped_release release;
          info = sim().step(t_end_s);
        }
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        const auto now = std::chrono::steady_clock::now();
        if (!callback.is_none() &&
            std::chrono::duration<double>(now - last_call).count() >= interval_s) {
          last_call = now;
          sync_out();
          callback(step_info_dict(info));
        }
      }
      {
        py::gil_scoped_release release;
        sim().run_until(t_end_s);  // at t_end_s already: notifies on_end (output finalised)
      }
    } catch (...) {
      sync_out();
      throw;
    }
    sync_out();
  }

  /// A NumPy view of field `name` shaped (z, x) or (z, y, x); read-only unless `writable`.
  py::array field(const std::string& name, bool writable, py::handle owner) {
    const int f = sim().fields().index(name);
    const Grid& g = sim().grid();
    std::vector<py::ssize_t> shape, strides;
    const py::ssize_t d = sizeof(double);
    if (g.dim() == 3) {
      shape = {g.nz(), g.ny(), g.nx()};
      strides = {d * g.ny() * g.nx(), d * g.nx(), d};
    } else {
      shape = {g.nz(), g.nx()};
      strides = {d * g.nx(), d};
    }
    double* data = pinned_ + static_cast<std::size_t>(f) * sim().fields().num_cells();
    py::array a(py::dtype::of<double>(), shape, strides, data, owner);
    if (!writable)
      py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
  }

  /// Volume-weighted mean of every field over each layer (as /summary in the HDF5 file).
  py::dict layer_means() const {
    const Grid& g = sim().grid();
    const FieldSet& fs = sim().fields();
    const std::size_t L = g.layer_names().size();
    std::vector<std::vector<double>> mean(fs.num_fields(), std::vector<double>(L, 0.0));
    std::vector<double> volume(L, 0.0);
    for (int k = 0; k < g.nz(); ++k)
      for (std::size_t c = k * g.plane_size(); c < (k + 1) * g.plane_size(); ++c) {
        const int l = g.layer_of(c);
        const double v = g.is_axisymmetric() ? g.volume_of_cell_um3(c) : g.cell_volume_um3(k);
        volume[l] += v;
        for (int q = 0; q < fs.num_fields(); ++q) mean[q][l] += fs.view(q)[c] * v;
      }
    py::dict out;
    for (int q = 0; q < fs.num_fields(); ++q) {
      for (std::size_t l = 0; l < L; ++l)
        mean[q][l] =
            volume[l] > 0 ? mean[q][l] / volume[l] : std::numeric_limits<double>::quiet_NaN();
      out[py::str(fs.info(q).name)] = mean[q];
    }
    return out;
  }

  /// The skin model's summary table as [(name, units, values per layer)], or None for a model
  /// without the skin fields (a generic scenario).
  py::object skin_summary() const {
    if (!sim().fields().contains("collagen_I") || !sim().fields().contains("damage"))
      return py::none();
    const models::SummaryTable t = models::skin_layer_summary(sim());
    py::list cols;
    for (const auto& c : t.columns) cols.append(py::make_tuple(c.name, c.units, c.values));
    return cols;
  }

  py::list field_info() const {
    py::list out;
    const FieldSet& fs = sim().fields();
    for (int q = 0; q < fs.num_fields(); ++q) {
      const FieldInfo& i = fs.info(q);
      py::dict d;
      d["name"] = i.name;
      d["units"] = i.units;
      d["description"] = i.description;
      d["diffuses"] = i.diffuses;
      out.append(d);
    }
    return out;
  }

  /// Add the CLI's HDF5 writer (docs/output-format.md) writing `path` for a first run ending at
  /// t_end_s. The writer stays attached for the Simulation's life. Attached after some steps,
  /// the file starts at the current time: that time is a snapshot (written at once), earlier
  /// scheduled times are skipped.
  void attach_output(const std::string& path, double t_end_s, bool overwrite) {
    require_h5_file_name(path);  // before a directory is created for it
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent))
      std::filesystem::create_directories(parent);
    Hdf5WriterOptions opts;
    opts.path = path;
    // Snapshots: the scenario's list (output.snapshots, or log-spaced to its end time, as the
    // CLI writes), plus the current time (the file's first snapshot), plus this run's end, so
    // that a shorter first run ends with a snapshot and later runs of the same Simulation still
    // find scheduled snapshots ahead.
    const double horizon = std::max(t_end_s, loaded_.built.end_time_s);
    std::vector<double> times = loaded_.built.snapshot_times_s.empty()
                                    ? default_snapshot_times_s(horizon)
                                    : loaded_.built.snapshot_times_s;
    times.push_back(sim().time_s());
    times.push_back(t_end_s);
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end(),
                            [](double a, double b) {
                              return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
                            }),
                times.end());
    opts.snapshot_times_s = times;
    opts.t_end_s = horizon;
    opts.overwrite = overwrite;
    opts.scenario_text = loaded_.text;
    opts.parameters = loaded_.parameters;
    // An existing file is refused here, in Python's words (the writer's own message names the
    // CLI's --force), before anything is attached.
    if (!overwrite && std::filesystem::exists(path))
      throw InputError(path +
                       ": the output file already exists; pass overwrite=True to replace "
                       "it");
    sync_in();
    sim().add_observer(std::make_shared<Hdf5Writer>(opts));  // lands on its times from now on
  }

  py::dict last_step() const { return step_info_dict(sim().last_step()); }

 private:
  // Copy the pinned buffer (possibly written through a writable view) into the live storage.
  void sync_in() {
    std::vector<double>& s = sim().fields().storage();
    if (s.data() != pinned_) std::memcpy(s.data(), pinned_, s.size() * sizeof(double));
  }
  // Copy the live storage into the pinned buffer the views point at.
  void sync_out() {
    std::vector<double>& s = sim().fields().storage();
    if (s.data() != pinned_) std::memcpy(pinned_, s.data(), s.size() * sizeof(double));
  }

  models::LoadedScenario loaded_;
  double* pinned_ = nullptr;
};

std::vector<std::array<std::string, 3>> check(const std::string& text, const std::string& name,
                                              const std::vector<std::string>& overrides) {
  const models::LoadedScenario loaded = models::load_scenario_text(text, name, overrides);
  warn_python(loaded.warnings);
  return loaded.parameters;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "skinheal's compiled core (pybind11). Use the `skinheal` package, not this module.";
  m.attr("__version__") = SKINHEAL_VERSION;
  models::set_warning_sink(nullptr);  // warnings reach Python through warn_python

  static py::exception<NumericalError> numerical(m, "NumericalError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const NumericalError& e) {
      numerical(e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  m.def("check", &check, py::arg("text"), py::arg("name"), py::arg("overrides"),
        "Build a scenario as `skinheal check` does; returns the effective parameters as "
        "(key, value, source) tuples. Raises ValueError with the CLI's message on bad input.");
  m.def("apply_overrides", &models::apply_overrides, py::arg("text"), py::arg("name"),
        py::arg("overrides"),
        "Scenario text with 'dotted.key=<TOML value>' overrides applied (as --set).");
  m.def(
      "parse_time_s",
      [](const std::string& t, const std::string& what) { return parse_time_s(t, what); },
      py::arg("text"), py::arg("what") = "time", "Parse a duration such as \"14 d\" into s.");
  m.def(
      "format_duration", [](double s) { return format_duration(s); }, py::arg("seconds"),
      "A duration in s as readable text (\"2 d\", \"6 weeks\").");
  m.def("set_num_threads", &parallel::set_num_threads, py::arg("n"),
        "OpenMP threads for the engine (0: all cores).");
  m.def("num_threads", &parallel::num_threads, "OpenMP threads the engine uses.");

  py::class_<PySimulation>(m, "Simulation",
                           "A built scenario and its time loop (wrapped by skinheal.Simulation).")
      .def(py::init<const std::string&, const std::string&, const std::vector<std::string>&>(),
           py::arg("text"), py::arg("name"), py::arg("overrides"))
      .def_property_readonly("time_s", &PySimulation::time_s)
      .def_property_readonly("end_time_s", &PySimulation::end_time_s)
      .def_property_readonly("snapshot_times_s", &PySimulation::snapshot_times_s)
      .def_property_readonly("description", &PySimulation::description)
      .def_property_readonly("scenario_text", &PySimulation::text)
      .def_property_readonly("parameters", &PySimulation::parameters)
      .def_property_readonly("field_info", &PySimulation::field_info)
      .def_property_readonly("last_step", &PySimulation::last_step)
      .def("step", &PySimulation::step, py::arg("t_limit_s"))
      .def("advance", &PySimulation::advance, py::arg("t_end_s"), py::arg("callback") = py::none(),
           py::arg("interval_s") = 0.5)
      .def(
          "field",
          [](py::object self, const std::string& name, bool writable) {
            return self.cast<PySimulation&>().field(name, writable, self);
          },
          py::arg("name"), py::arg("writable") = false)
      .def("layer_means", &PySimulation::layer_means)
      .def("skin_summary", &PySimulation::skin_summary)
      .def("attach_output", &PySimulation::attach_output, py::arg("path"), py::arg("t_end_s"),
           py::arg("overwrite") = false)
      .def_property_readonly("dim", [](const PySimulation& s) { return s.sim().grid().dim(); })
      .def_property_readonly("geometry",
                             [](const PySimulation& s) {
                               const Grid& g = s.sim().grid();
                               return geometry_name(g.geometry(), g.dim());
                             })
      .def_property_readonly("shape",
                             [](const PySimulation& s) {
                               const Grid& g = s.sim().grid();
                               return g.dim() == 3 ? py::make_tuple(g.nz(), g.ny(), g.nx())
                                                   : py::make_tuple(g.nz(), g.nx());
                             })
      .def_property_readonly("dx_um", [](const PySimulation& s) { return s.sim().grid().dx_um(); })
      .def_property_readonly("x_um",
                             [](const PySimulation& s) {
                               const Grid& g = s.sim().grid();
                               std::vector<double> x(g.nx());
                               for (int i = 0; i < g.nx(); ++i) x[i] = g.x_centre_um(i);
                               return x;
                             })
      .def_property_readonly("y_um",
                             [](const PySimulation& s) {
                               const Grid& g = s.sim().grid();
                               std::vector<double> y(g.dim() == 3 ? g.ny() : 0);
                               for (std::size_t j = 0; j < y.size(); ++j)
                                 y[j] = g.y_centre_um(static_cast<int>(j));
                               return y;
                             })
      .def_property_readonly("z_um",
                             [](const PySimulation& s) { return s.sim().grid().z_centres_um(); })
      .def_property_readonly("z_faces_um",
                             [](const PySimulation& s) { return s.sim().grid().z_faces_um(); })
      .def_property_readonly("layer_names",
                             [](const PySimulation& s) { return s.sim().grid().layer_names(); })
      .def_property_readonly("layer_bounds_um",
                             [](const PySimulation& s) { return s.sim().grid().layer_bounds_um(); })
      .def_property_readonly("layer_of_row", [](const PySimulation& s) {
        const Grid& g = s.sim().grid();
        std::vector<int> rows(g.nz());
        for (int k = 0; k < g.nz(); ++k) rows[k] = g.layer_of_row(k);
        return rows;
      });
}
