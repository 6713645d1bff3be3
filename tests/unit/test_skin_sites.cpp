// Unit tests of the body-site presets (models/skin_sites): layer names of the output contract,
// thicknesses against SCIENCE.md §1, vascular flags, lookup errors, and use with the Grid.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "engine/error.hpp"
#include "engine/grid.hpp"
#include "models/skin_sites.hpp"

namespace skinheal {
namespace {

double epidermis_um(const SkinSite& s) {
  return s.layers[0].thickness_um + s.layers[1].thickness_um;
}
double dermis_um(const SkinSite& s) {
  return s.layers[2].thickness_um + s.layers[3].thickness_um;
}

TEST(SkinSites, PresetsCarryTheContractLayersInOrder) {
  const std::vector<std::string> expected = {"stratum_corneum", "viable_epidermis",
                                             "papillary_dermis", "reticular_dermis", "hypodermis"};
  EXPECT_EQ(skin_layer_names(), expected);
  const std::vector<std::string> names = skin_site_names();
  for (const char* required : {"face_cheek", "forehead", "forearm", "abdomen", "back"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
  }
  for (const std::string& name : names) {
    const SkinSite site = skin_site(name);
    EXPECT_EQ(site.name, name);
    ASSERT_EQ(site.layers.size(), 5u) << name;
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(site.layers[i].name, expected[i]) << name;
    EXPECT_NO_THROW(validate_skin_site(site)) << name;
    EXPECT_FALSE(site.source.empty()) << name;
  }
}

TEST(SkinSites, ForearmMatchesSandbyMollerAndTsai) {
  const SkinSite forearm = skin_site("forearm");
  EXPECT_DOUBLE_EQ(forearm.layers[0].thickness_um, 18.3);   // Sandby-Møller 2003
  EXPECT_DOUBLE_EQ(forearm.layers[1].thickness_um, 56.6);   // same
  EXPECT_NEAR(dermis_um(forearm), 1000.0, 1e-9);            // Tsai 2019, 1.0 ± 0.2 mm
  EXPECT_DOUBLE_EQ(forearm.layers[2].thickness_um, 150.0);  // Meglinski & Matcher †
  EXPECT_NEAR(forearm.vascular_depth_um(), 74.9, 1e-9);
  EXPECT_NEAR(forearm.layer_top_um("reticular_dermis"), 224.9, 1e-9);
  EXPECT_NEAR(forearm.layer_bottom_um("reticular_dermis"), 1074.9, 1e-9);
}

TEST(SkinSites, ThicknessesLieInsideTheQuotedRanges) {
  for (const char* face : {"face_cheek", "forehead"}) {
    const SkinSite s = skin_site(face);
    EXPECT_GE(epidermis_um(s), 29.6) << face;  // Chopra 2015 facial epidermis range
    EXPECT_LE(epidermis_um(s), 62.6) << face;
    EXPECT_GE(dermis_um(s), 759.0) << face;  // Chopra 2015 facial dermis range
    EXPECT_LE(dermis_um(s), 1969.0) << face;
  }
  EXPECT_DOUBLE_EQ(skin_site("forehead").layers[4].thickness_um, 2000.0);  // Iyengar 2018
  for (const char* body : {"abdomen", "back"}) {
    const SkinSite s = skin_site(body);
    EXPECT_GE(dermis_um(s), 2115.0) << body;  // Oltulu 2018 body range
    EXPECT_LE(dermis_um(s), 5888.0) << body;
  }
  // The back's stratum corneum and viable epidermis are Sandby-Møller's shoulder.
  EXPECT_DOUBLE_EQ(skin_site("back").layers[0].thickness_um, 11.0);
  EXPECT_DOUBLE_EQ(skin_site("back").layers[1].thickness_um, 70.3);
}

TEST(SkinSites, EpidermisIsAvascularAndDermisVascular) {
  for (const std::string& name : skin_site_names()) {
    const SkinSite s = skin_site(name);
    ASSERT_EQ(s.vascular.size(), 5u);
    EXPECT_FALSE(s.vascular[0]);
    EXPECT_FALSE(s.vascular[1]);
    EXPECT_TRUE(s.vascular[2]);
    EXPECT_TRUE(s.vascular[3]);
    EXPECT_NEAR(s.vascular_depth_um(), epidermis_um(s), 1e-12) << name;
    EXPECT_NEAR(s.total_thickness_um(), epidermis_um(s) + dermis_um(s) + s.layers[4].thickness_um,
                1e-9);
  }
}

TEST(SkinSites, UnknownNamesAreInputErrorsThatHelp) {
  try {
    skin_site("face_cheeck");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("did you mean 'face_cheek'"), std::string::npos) << what;
    EXPECT_NE(what.find("forearm"), std::string::npos) << what;  // valid list named
  }
  try {
    skin_site("elbow_of_a_giraffe");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("abdomen"), std::string::npos) << e.what();
  }
  EXPECT_THROW(skin_site("forearm").layer_index("dermis"), InputError);
}

TEST(SkinSites, ValidationRejectsBrokenStacks) {
  SkinSite s = skin_site("forearm");
  s.layers[2].thickness_um = -1.0;
  EXPECT_THROW(validate_skin_site(s), InputError);
  s = skin_site("forearm");
  std::swap(s.layers[2], s.layers[3]);
  EXPECT_THROW(validate_skin_site(s), InputError);
  s = skin_site("forearm");
  s.vascular[1] = true;
  EXPECT_THROW(validate_skin_site(s), InputError);
  s = skin_site("forearm");
  s.vascular.pop_back();
  EXPECT_THROW(validate_skin_site(s), InputError);
}

TEST(SkinSites, LayersDriveTheGridLayerMap) {
  const SkinSite site = skin_site("face_cheek");
  Grid grid = Grid::make_2d(10, 10.0, Grid::graded_faces(site.layers, 2.0, 100.0, 1.2));
  grid.assign_layers(site.layers);
  EXPECT_EQ(grid.layer_names(), skin_layer_names());
  EXPECT_NEAR(grid.depth_um(), site.total_thickness_um(), 1e-6);
  const int papillary = grid.layer_id("papillary_dermis");
  // The first papillary row starts exactly at the vascular depth (faces sit on boundaries).
  for (int k = 0; k < grid.nz(); ++k) {
    if (grid.layer_of_row(k) == papillary) {
      EXPECT_NEAR(grid.z_faces_um()[k], site.vascular_depth_um(), 1e-6);
      break;
    }
  }
}

}  // namespace
}  // namespace skinheal
