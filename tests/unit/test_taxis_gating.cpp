// Unit tests: chemotaxis must not carry cells into (or through) layers where the cells' own
// motility is zero (issue 3). Fibroblasts have D = 0 in the stratum corneum and the viable
// epidermis (skin_model.cpp: D_F = 0.05 µm²/s below the epidermis only); their chemotaxis up
// growth_factor (TaxisTerm) must then vanish on every face that touches a D = 0 cell.
//
// The gate lives in engine/transport.cpp general_rows() (the rows that feed the sweeps, the
// explicit operator and solve_increments alike): v = 0 on a face with D = 0 on either side.
// Without it (measured 2026-11-23), all the cells (100 %) of the column below end up in the
// D = 0 rows within a day at χ = 0.1 µm²/s per ng/mL and a 20 ng/mL gradient over 150 µm, and
// in the assembled skin model (χ = 0.1, single 0.2 mm needle) the epidermal layers reach a
// fibroblast layer mean of 0.18 (resting dermis = 1) within 14 days. The skin model keeps its
// chemotaxis off by default (TransportParams::fibroblast_chemotaxis_um2_per_s_per_ng_ml = 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/fields.hpp"
#include "engine/grid.hpp"
#include "engine/transport.hpp"
#include "models/skin_model.hpp"
#include "models/skin_observables.hpp"

namespace skinheal {
namespace {

constexpr int kNx = 4, kNz = 30, kGatedRows = 8;  // rows 0..7: "epidermis" (D = 0)
constexpr double kDz = 5.0;                       // µm

struct Column {
  Grid grid = Grid::make_2d(kNx, 10.0, Grid::uniform_faces(kNz, kDz));
  FieldSet fields{grid};
  Transport transport{grid};
  int cells = -1, signal = -1;
};

// Fibroblast-like cells (1 in the dermis rows, 0 in the gated rows; D = 0.05 µm²/s below,
// 0 above) and a growth-factor-like signal falling linearly with depth (highest at the
// surface: the gradient points into the gated layer), χ = 0.1 µm²/s per signal unit.
void setup(Column& col) {
  col.cells = col.fields.add({"cells", "1", true, true});
  col.signal = col.fields.add({"signal", "ng/mL", true, true});
  std::vector<double> D(kNz, 0.05);
  for (int k = 0; k < kGatedRows; ++k) D[k] = 0.0;
  col.transport.set_diffusion(col.cells, Diffusivity::by_depth(D));
  col.transport.set_diffusion(col.signal, Diffusivity::uniform(0.0));  // frozen gradient
  col.transport.add_taxis({col.cells, col.signal, 0.1, 0.0});
  for (int k = 0; k < kNz; ++k)
    for (int i = 0; i < kNx; ++i) {
      const std::size_t c = col.grid.index(i, 0, k);
      col.fields.view(col.signal)[c] = 20.0 * (1.0 - static_cast<double>(k) / kNz);
      col.fields.view(col.cells)[c] = k < kGatedRows ? 0.0 : 1.0;
    }
}

double mass_in_rows(const Column& col, int k0, int k1) {
  double m = 0.0;
  for (int k = k0; k < k1; ++k)
    for (int i = 0; i < kNx; ++i) m += col.fields.view(col.cells)[col.grid.index(i, 0, k)];
  return m;
}

double mean_row(const Column& col) {
  double m = 0.0, mk = 0.0;
  for (int k = 0; k < kNz; ++k)
    for (int i = 0; i < kNx; ++i) {
      const double u = col.fields.view(col.cells)[col.grid.index(i, 0, k)];
      m += u;
      mk += u * k;
    }
  return mk / m;
}

// Passes today and must keep passing with the gate: inside the motile layer taxis still carries
// the cells up the gradient (towards the surface) and conserves them.
TEST(TaxisGating, TaxisStillMovesCellsUpTheGradientInsideTheMotileLayer) {
  Column col;
  setup(col);
  const double mass0 = mass_in_rows(col, 0, kNz), row0 = mean_row(col);
  for (int s = 0; s < 24; ++s) col.transport.step(col.fields, 3600.0);
  EXPECT_NEAR(mass_in_rows(col, 0, kNz) / mass0, 1.0, 1e-12);
  EXPECT_LT(mean_row(col), row0 - 0.5);  // moved up by more than half a row in a day
}

// Fails without the gate (all the cells cross into the D = 0 rows within a day).
TEST(TaxisGating, NoCellsEnterALayerWhereTheirDiffusivityIsZero) {
  Column col;
  setup(col);
  const double mass0 = mass_in_rows(col, 0, kNz);
  for (int s = 0; s < 24; ++s) col.transport.step(col.fields, 3600.0);
  const double gated = mass_in_rows(col, 0, kGatedRows);
  EXPECT_LE(gated / mass0, 1e-12) << "taxis carried " << 100.0 * gated / mass0
                                  << " % of the cells into the D = 0 layer";
  // Nor are cells already inside a gated layer moved through it: seed the middle gated row and
  // check that it keeps them (no diffusion, no taxis there).
  for (int i = 0; i < kNx; ++i) col.fields.view(col.cells)[col.grid.index(i, 0, 4)] = 1.0;
  for (int k = 0; k < kGatedRows; ++k)
    for (int i = 0; i < kNx; ++i)
      if (k != 4) col.fields.view(col.cells)[col.grid.index(i, 0, k)] = 0.0;
  col.transport.step(col.fields, 3600.0);
  EXPECT_NEAR(mass_in_rows(col, 4, 5), kNx, 1e-12);
  EXPECT_LE(mass_in_rows(col, 0, 4), 1e-12);
}

// The same gap in the assembled skin model: with fibroblast chemotaxis switched on, a session's
// growth factor must not carry fibroblasts into the stratum corneum or the viable epidermis
// (D_F = 0 there). Without the gate: layer mean 0.18 by day 14.
TEST(TaxisGating, SkinModelFibroblastsStayOutOfTheEpidermisWithChemotaxis) {
  models::SkinModelConfig c;
  c.site = skin_site("face_cheek");
  c.device = device_preset("single_needle");
  c.device.needle_length_mm = 0.2;
  c.pattern.single_needle_x_um = {0.0};
  c.grid.width_um = 300.0;
  c.grid.dx_um = 30.0;
  c.grid.depth_um = 400.0;
  c.params.transport.fibroblast_chemotaxis_um2_per_s_per_ng_ml = 0.1;
  c.end_time_s = 14 * 86400.0;
  auto sim = models::build_skin_model(c);
  double most = 0.0;
  for (double t : {0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0}) {
    sim->run_until(t * 86400.0);
    for (const char* layer : {"stratum_corneum", "viable_epidermis"})
      most = std::max(most, models::layer_mean(*sim, "fibroblasts", sim->grid().layer_id(layer)));
  }
  EXPECT_LE(most, 1e-9) << "fibroblasts reached the epidermis: layer mean up to " << most;
}

}  // namespace
}  // namespace skinheal
