#include "models/skin_observables.hpp"

#include "engine/error.hpp"
#include "engine/strings.hpp"
#include "models/skin_model.hpp"

namespace skinheal::models {

const SummaryColumn& SummaryTable::column(const std::string& name) const {
  std::vector<std::string> names;
  for (const SummaryColumn& c : columns) {
    if (c.name == name) return c;
    names.push_back(c.name);
  }
  throw InputError("summary: no column '" + name + "'" + suggest_nearest(name, names));
}

double SummaryTable::value(const std::string& name, const std::string& layer) const {
  for (std::size_t l = 0; l < layers.size(); ++l)
    if (layers[l] == layer) return column(name).values[l];
  throw InputError("summary: no layer '" + layer + "'" + suggest_nearest(layer, layers));
}

double layer_mean(const Simulation& sim, const std::string& field, int layer) {
  const Grid& g = sim.grid();
  ConstFieldView v = sim.fields().view(field);
  double sum = 0.0, vol = 0.0;
  for (int k = 0; k < g.nz(); ++k) {
    if (g.layer_of_row(k) != layer) continue;
    if (g.is_axisymmetric()) {  // ring volumes 2π r_i dr dz
      for (int i = 0; i < g.nx(); ++i) {
        const double dv = g.cell_volume_um3(i, 0, k);
        sum += v[g.index(i, 0, k)] * dv;
        vol += dv;
      }
      continue;
    }
    const double dv = g.cell_volume_um3(k);
    for (std::size_t p = 0; p < g.plane_size(); ++p) {
      sum += v[k * g.plane_size() + p] * dv;
      vol += dv;
    }
  }
  return vol > 0.0 ? sum / vol : 0.0;
}

SummaryTable skin_layer_summary(const Simulation& sim) {
  const Grid& g = sim.grid();
  const FieldSet& f = sim.fields();
  const int L = static_cast<int>(g.layer_names().size());
  SummaryTable t;
  t.layers = g.layer_names();
  for (int fi = 0; fi < f.num_fields(); ++fi) {
    SummaryColumn col{f.info(fi).name, f.info(fi).units, std::vector<double>(L, 0.0)};
    for (int l = 0; l < L; ++l) col.values[l] = layer_mean(sim, f.info(fi).name, l);
    t.columns.push_back(std::move(col));
  }
  SummaryColumn total{"collagen_total", "mg/cm^3", std::vector<double>(L)};
  for (int l = 0; l < L; ++l)
    total.values[l] = t.column("collagen_I").values[l] + t.column("collagen_III").values[l];
  t.columns.push_back(std::move(total));

  // r–z: ring volumes, µm³ per unit cell (per puncture); x–z: µm² per µm of y.
  const std::string vol_units = g.dim() == 3 || g.is_axisymmetric() ? "um^3" : "um^2";
  SummaryColumn clot{"clot_volume", vol_units, std::vector<double>(L, 0.0)};
  SummaryColumn blood{"blood_volume", vol_units, std::vector<double>(L, 0.0)};
  SummaryColumn open_frac{"open_fraction", "1", std::vector<double>(L, 0.0)};
  SummaryColumn open_runs{"open_channels", "1", std::vector<double>(L, 0.0)};
  ConstFieldView fib = f.view("fibrin"), bl = f.view("blood");
  const std::vector<double> open = channel_openness(sim);
  std::vector<double> layer_vol(L, 0.0);
  const std::size_t plane = g.plane_size();
  std::vector<std::vector<char>> col_open(L, std::vector<char>(plane, 0));
  for (int k = 0; k < g.nz(); ++k) {
    const int l = g.layer_of_row(k);
    for (std::size_t p = 0; p < plane; ++p) {
      const std::size_t c = k * plane + p;
      const double dv = g.is_axisymmetric() ? g.volume_of_cell_um3(c) : g.cell_volume_um3(k);
      clot.values[l] += fib[c] * dv;
      blood.values[l] += bl[c] * dv;
      layer_vol[l] += dv;
      if (open[c] > 0.5) {
        open_frac.values[l] += dv;
        col_open[l][p] = 1;
      }
    }
  }
  for (int l = 0; l < L; ++l) {
    if (layer_vol[l] > 0.0) open_frac.values[l] /= layer_vol[l];
    // Runs along x (row j = 0 in 2D; every y-row counted separately in 3D).
    int runs = 0;
    for (int j = 0; j < g.ny(); ++j)
      for (int i = 0; i < g.nx(); ++i) {
        const std::size_t p = static_cast<std::size_t>(j) * g.nx() + i;
        if (col_open[l][p] && (i == 0 || !col_open[l][p - 1])) ++runs;
      }
    open_runs.values[l] = runs;
  }
  t.columns.push_back(std::move(clot));
  t.columns.push_back(std::move(blood));
  t.columns.push_back(std::move(open_frac));
  t.columns.push_back(std::move(open_runs));
  return t;
}

}  // namespace skinheal::models
