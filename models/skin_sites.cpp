#include "models/skin_sites.hpp"

#include <cmath>

#include "engine/error.hpp"
#include "engine/strings.hpp"

namespace skinheal {

namespace {

/// Papillary dermis thickness used at every site: 150 µm from the layered stack of Meglinski &
/// Matcher 2002, Physiol Meas 23:741 († unverified, SCIENCE.md §1). No site-specific papillary
/// figure is in SCIENCE.md; the reticular dermis is the site's dermis minus this.
constexpr double kPapillaryDermis_um = 150.0;

SkinSite make_site(std::string name, double stratum_corneum_um, double viable_epidermis_um,
                   double dermis_um, double hypodermis_um, std::string source) {
  SkinSite site;
  site.name = std::move(name);
  site.layers = {{"stratum_corneum", stratum_corneum_um},
                 {"viable_epidermis", viable_epidermis_um},
                 {"papillary_dermis", kPapillaryDermis_um},
                 {"reticular_dermis", dermis_um - kPapillaryDermis_um},
                 {"hypodermis", hypodermis_um}};
  // The epidermis is avascular; capillary loops start in the papillary dermis (SCIENCE.md §1).
  site.vascular = {false, false, true, true, true};
  site.source = std::move(source);
  return site;
}

std::vector<SkinSite> presets() {
  std::vector<SkinSite> sites;

  // Face, cheek.
  //  - stratum corneum 11 µm: assumption. No facial stratum corneum figure is in SCIENCE.md; the
  //    thinnest site of Sandby-Møller, Poulsen & Wulf 2003 (shoulder, 11.0 ± 2.2 µm) is used.
  //  - viable epidermis 35 µm: the cheek subunit value of Chopra et al. 2015, Aesthet Surg J
  //    35:1007 is not in SCIENCE.md; we take the middle of its facial epidermis range
  //    (29.6–62.6 µm, ≈ 46 µm) minus the stratum corneum († unverified for the cheek).
  //  - dermis 1005 µm: high-frequency ultrasound, zygoma, men 1.14 ± 0.21 mm and women
  //    0.87 ± 0.35 mm, mean of the two (Table 2 of BMC Med Imaging 2022, 22:113, 118 adults;
  //    not yet in SCIENCE.md), inside Chopra's facial range 759–1969 µm.
  //  - hypodermis 4000 µm: assumption between forehead 2 mm and chin 5 mm (Iyengar et al. 2018,
  //    Dermatol Surg); the cheek itself is not quoted in SCIENCE.md.
  sites.push_back(make_site("face_cheek", 11.0, 35.0, 1005.0, 4000.0,
                            "SC: Sandby-Moller 2003 shoulder (assumed); epidermis: Chopra 2015 "
                            "facial range (unverified); dermis: BMC Med Imaging 2022 zygoma; fat: "
                            "assumed between Iyengar 2018 forehead and chin"));

  // Forehead.
  //  - stratum corneum 11 µm and viable epidermis 35 µm: as for the cheek (same assumptions).
  //  - dermis 1015 µm: high-frequency ultrasound, forehead, men 1.17 ± 0.28 mm and women
  //    0.86 ± 0.16 mm, mean of the two (BMC Med Imaging 2022, 22:113, Table 2).
  //  - hypodermis 2000 µm: forehead subcutaneous fat 2 mm (Iyengar et al. 2018, Dermatol Surg).
  sites.push_back(
      make_site("forehead", 11.0, 35.0, 1015.0, 2000.0,
                "SC: Sandby-Moller 2003 shoulder (assumed); epidermis: Chopra 2015 "
                "facial range (unverified); dermis: BMC Med Imaging 2022 forehead; fat: "
                "Iyengar 2018"));

  // Volar forearm.
  //  - stratum corneum 18.3 ± 4.9 µm, viable epidermis 56.6 µm: Sandby-Møller, Poulsen & Wulf
  //    2003, Acta Derm Venereol 83:410 (forearm); Tsai et al. 2019 give 61 ± 7 µm living
  //    epidermis, consistent.
  //  - dermis 1000 µm: 1.0 ± 0.2 mm, Tsai et al. 2019, J Electr Bioimpedance 10:14.
  //  - hypodermis 3000 µm: assumption (not in SCIENCE.md; forearm fat is several mm).
  sites.push_back(make_site("forearm", 18.3, 56.6, 1000.0, 3000.0,
                            "SC and epidermis: Sandby-Moller 2003 forearm; dermis: Tsai 2019; "
                            "fat: assumed"));

  // Abdomen.
  //  - stratum corneum 14.9 µm, viable epidermis 81.5 µm: Sandby-Møller et al. 2003, buttock,
  //    the nearest trunk site they measured (assumption: abdomen ≈ buttock).
  //  - dermis 2500 µm: assumption inside the body range 2.1–5.9 mm of Oltulu et al. 2018, Turk J
  //    Plast Surg 26:56 (which measured the abdomen; its abdominal mean is not in SCIENCE.md †).
  //  - hypodermis 5000 µm: assumption; the modelled slab only (abdominal fat is often thicker).
  sites.push_back(make_site("abdomen", 14.9, 81.5, 2500.0, 5000.0,
                            "SC and epidermis: Sandby-Moller 2003 buttock (assumed); dermis: "
                            "inside Oltulu 2018 body range (unverified); fat: assumed"));

  // Back (upper back).
  //  - stratum corneum 11.0 µm, viable epidermis 70.3 µm: Sandby-Møller et al. 2003, shoulder.
  //  - dermis 3500 µm: assumption inside Oltulu et al. 2018's 2.1–5.9 mm (back measured there;
  //    its mean is not in SCIENCE.md †); the back has among the thickest dermis of the body.
  //  - hypodermis 5000 µm: assumption; the modelled slab only.
  sites.push_back(make_site("back", 11.0, 70.3, 3500.0, 5000.0,
                            "SC and epidermis: Sandby-Moller 2003 shoulder; dermis: inside "
                            "Oltulu 2018 body range (unverified); fat: assumed"));
  return sites;
}

}  // namespace

const std::vector<std::string>& skin_layer_names() {
  static const std::vector<std::string> names = {
      "stratum_corneum", "viable_epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"};
  return names;
}

double SkinSite::total_thickness_um() const {
  double total = 0.0;
  for (const Layer& layer : layers) total += layer.thickness_um;
  return total;
}

int SkinSite::layer_index(const std::string& layer_name) const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].name == layer_name) return static_cast<int>(i);
    names.push_back(layers[i].name);
  }
  throw InputError("skin site '" + name + "': no layer '" + layer_name + "'" +
                   suggest_nearest(layer_name, names));
}

double SkinSite::layer_top_um(const std::string& layer_name) const {
  const int index = layer_index(layer_name);
  double top = 0.0;
  for (int i = 0; i < index; ++i) top += layers[i].thickness_um;
  return top;
}

double SkinSite::layer_bottom_um(const std::string& layer_name) const {
  return layer_top_um(layer_name) + layers[layer_index(layer_name)].thickness_um;
}

double SkinSite::vascular_depth_um() const {
  double top = 0.0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (i < vascular.size() && vascular[i]) return top;
    top += layers[i].thickness_um;
  }
  return top;
}

std::vector<std::string> skin_site_names() {
  std::vector<std::string> names;
  for (const SkinSite& site : presets()) names.push_back(site.name);
  return names;
}

SkinSite skin_site(const std::string& name) {
  for (SkinSite& site : presets()) {
    if (site.name == name) return site;
  }
  const std::vector<std::string> names = skin_site_names();
  std::string hint = suggest_nearest(name, names);
  if (hint.rfind("; valid:", 0) != 0) hint += "; valid: " + join(names, ", ");
  throw InputError("unknown skin site '" + name + "'" + hint);
}

void validate_skin_site(const SkinSite& site) {
  const std::vector<std::string>& expected = skin_layer_names();
  SKINHEAL_REQUIRE(site.layers.size() == expected.size(),
                   "skin site '" + site.name + "': expected the " +
                       std::to_string(expected.size()) + " layers " + join(expected, ", "));
  SKINHEAL_REQUIRE(site.vascular.size() == site.layers.size(),
                   "skin site '" + site.name + "': need one vascular flag per layer");
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Layer& layer = site.layers[i];
    SKINHEAL_REQUIRE(layer.name == expected[i], "skin site '" + site.name + "': layer " +
                                                    std::to_string(i) + " is '" + layer.name +
                                                    "', expected '" + expected[i] + "'");
    SKINHEAL_REQUIRE(std::isfinite(layer.thickness_um) && layer.thickness_um > 0.0,
                     "skin site '" + site.name + "': layer '" + layer.name +
                         "' needs a positive thickness in µm");
  }
  SKINHEAL_REQUIRE(!site.vascular[0] && !site.vascular[1],
                   "skin site '" + site.name + "': the epidermis is avascular");
}

}  // namespace skinheal
