/// \file penetration.hpp
/// \brief Nominal needle length → real penetration depth and channel shape, per device kind.
///
/// Nominal needle length is not penetration depth (SCIENCE.md §2): skin deflects and compresses
/// before and while it is pierced, so only part of a needle enters. The mapping is one
/// monotone, saturating curve per device kind,
///
///   depth(L) = min(L, p · η · L_sat · (1 − exp(−L / L_sat)))
///
/// with L the nominal needle length (µm), η ≤ 1 the insertion efficiency of a short needle
/// (d depth / dL at L → 0), L_sat the saturation length (µm; the depth tends to η · L_sat) and p
/// the pressure factor (1 = the pressure of the calibrating studies). With η ≤ 1 the depth never
/// exceeds the needle length, rises monotonically, and its slope falls from η to 0.
///
/// Calibration: which anchor belongs to which kind.
///
///  - pen (needles stamped perpendicularly by a motor): the ex vivo human study (Dermatol Surg,
///    Dec 2020) varied needle length — an adjustable pen setting — and found ink depth rising
///    only ~0.06 mm per +1 mm of length. We read this as the mean slope between 1 and 2 mm, the
///    clinical range of pen settings (the range is our assumption), and take η = 1 (a short
///    needle stamped perpendicularly enters fully; assumption):
///      [depth(2 mm) − depth(1 mm)] / 1 mm = L_sat (e^{−1000/L_sat} − e^{−2000/L_sat}) / 1000 µm
///      = 0.06  →  L_sat = 504.7 µm.
///    Pen depths: 0.6 mm → 351 µm, 1.5 mm → 479 µm, 2.5 mm → 501 µm.
///  - roller (needles enter obliquely as the drum rolls): Kalluri, Kolli & Banga 2011 (AAPS J
///    13:473, hairless rat, Dermaroller), 770 µm needle → 152.5 ± 9.6 µm. Only one roller
///    anchor exists, so the roller shares the pen's saturation length (the saturation is a
///    property of the skin, assumption) and η is fitted:
///      η · 504.7 · (1 − e^{−770/504.7}) = 152.5  →  η = 0.3861.
///    Roller depths: 0.25 mm → 76 µm, 0.77 mm → 152.5 µm, 1.5 mm → 185 µm, 3 mm → 194 µm.
///    Pens reach deeper than rollers at every length (factor 1/η = 2.6), as the same 2020 study
///    reports. Rat skin is used for human skin unchanged (assumption; no human roller anchor).
///  - single_needle (a needle or microneedle array pressed in vivo): Donnelly et al. 2010
///    (Pharm Res, OCT, human in vivo), 600 µm needle → about 460 µm, with η = 1:
///      L_sat (1 − e^{−600/L_sat}) = 460  →  L_sat = 1076.8 µm.
///    This anchor cannot belong to the pen: a pen curve through both 600 → 460 µm and the
///    0.06 slope needs η = 1.39 > 1, i.e. depth beyond the needle length for short needles.
///    The pressed needle goes deeper than the stamped pen at equal length (in vivo OCT of the
///    needle in place versus ex vivo ink after removal); a known tension of the two datasets.
///
/// Channel shape: Kalluri et al. measured a surface diameter of 70.7 ± 9.9 µm at 152.5 µm
/// depth (needles 140 µm wide at the base, tip radius 4 µm; their abstract), so a conical tip
/// leaves a cone with surface diameter κ · depth, κ = 70.7 / 152.5 = 0.4636, capped at the needle's
/// base diameter; used for every kind (assumption: no width anchor for pens and single needles). A
/// cylindrical (blunt) needle leaves a cylinder of the needle's diameter. No site dependence is
/// calibrated (no data): the pressure factor is the knob for firmer or softer skin and for operator
/// pressure; scaling the depth linearly with it is a heuristic without a source.
#pragma once

#include <utility>
#include <vector>

#include "models/devices.hpp"

namespace skinheal {

/// \brief The channel a needle leaves: axis vertical, apex (cone) or flat bottom (cylinder) at
/// depth_um below the surface.
struct ChannelShape {
  /// \brief Cone: radius falls linearly from the surface to zero at depth_um. Cylinder:
  /// constant radius down to depth_um.
  enum class Profile { cone, cylinder };
  double depth_um = 0.0;
  double surface_diameter_um = 0.0;
  Profile profile = Profile::cone;

  /// Radius of the channel at depth z_um (0 outside [0, depth_um]).
  double radius_at_um(double z_um) const;
};

/// \brief Parameters of one device kind's depth curve (see the file comment).
struct PenetrationModel {
  double insertion_efficiency = 1.0;        ///< η, dimensionless, in (0, 1]
  double saturation_length_um = 500.0;      ///< L_sat, µm
  double surface_diameter_per_depth = 0.0;  ///< κ, dimensionless (cone channels)
};

/// The calibrated model of a device kind.
PenetrationModel penetration_model(Device::Kind kind);

/// Penetration depth in µm of a needle of nominal length needle_length_um. Throws InputError
/// for a negative or non-finite length or a pressure factor outside (0, 3].
double penetration_depth_um(Device::Kind kind, double needle_length_um,
                            double pressure_factor = 1.0);

/// The channel a device's needles leave (depth from the model, shape from the needle tip).
ChannelShape penetration(const Device& device, double pressure_factor = 1.0);

/// (nominal length µm, depth µm) pairs for plotting the curve of a device kind.
std::vector<std::pair<double, double>> penetration_curve(
    Device::Kind kind, const std::vector<double>& needle_lengths_um, double pressure_factor = 1.0);

}  // namespace skinheal
