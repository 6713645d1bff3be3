/// \file coupled_solver.hpp
/// \brief One implicit step of diffusion and first-order decay, solved together on the whole
/// grid (not factorised by direction): the transport of fields set with
/// Transport::set_coupled_decay.
///
/// With V the cell volumes, K the symmetric positive semi-definite finite-volume stiffness
/// (K = −V·L for the diffusion operator L of transport.hpp, boundary conductances on its
/// diagonal), s the boundary source per volume and k ≥ 0 the decay rate in 1/s, the θ-scheme is
///   (V (1 + θ h k) + θ h K) u⁺ = V u − (1 − θ) h (K u + k V u) + h V s.
/// The matrix is symmetric positive definite (k > 0 or a fixed-value/permeable boundary) and
/// is factorised by a sparse Cholesky (LDLᵀ, AMD ordering); the factorisations of the last few
/// distinct θh are kept, since step doubling alternates h and h/2. With a uniform diffusivity
/// it is diagonalised once instead (set_separable), without a sparse matrix. Unlike the line
/// sweeps, its fixed point is the discrete steady state K u + k V u = V s for any h: a fast signal
/// in balance between diffusion and decay does not hold the step size down.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace skinheal {

class CoupledSolver {
 public:
  /// A lower-triangle entry of K (row ≥ col), in µm³/s (volume times rate).
  struct Entry {
    std::size_t row, col;
    double value;
  };
  CoupledSolver();
  ~CoupledSolver();
  CoupledSolver(CoupledSolver&&) noexcept;
  CoupledSolver& operator=(CoupledSolver&&) noexcept;

  /// Set the operator: n cells with volumes `volume_um3`, the lower triangle of K (duplicates
  /// are summed), and the decay rate k in 1/s. Drops every cached factorisation.
  void set_operator(std::vector<double> volume_um3, const std::vector<Entry>& lower_K,
                    double decay_per_s);
  bool has_operator() const;

  /// Set a separable operator instead (uniform diffusivity on a tensor-product grid): per axis
  /// (x, y, z; cells ordered (k·ny + j)·nx + i) the 1D cell measures a and the dense symmetric
  /// 1D stiffness S (boundary conductances included; tridiagonal for x), with
  /// V = a_x ⊗ a_y ⊗ a_z and K = S_x ⊗ a_y ⊗ a_z + a_x ⊗ S_y ⊗ a_z + a_x ⊗ a_y ⊗ S_z, and the
  /// decay rate k in 1/s. The solve diagonalises y and z in the generalised eigenvectors of
  /// (S, diag a) (fast diagonalisation, Lynch, Rice & Thomas 1964) and solves one tridiagonal
  /// system along x per (y, z) mode: dense transforms of cost n·(ny + nz) per step, no sparse
  /// matrix, no factorisation, one scratch vector of n values. An axis of one cell passes an
  /// empty stiffness. Replaces any operator set before.
  struct AxisOperator {
    std::vector<double> measure;
    std::vector<double> stiffness;  ///< n × n, row-major
  };
  void set_separable(const AxisOperator& x, const AxisOperator& y, const AxisOperator& z,
                     double decay_per_s);
  bool is_separable() const;

  /// u ← the θ-step of length h_s from u; `source` (per volume, field units/s; may be null)
  /// is the boundary source V·s / V. Throws NumericalError if the factorisation fails.
  void step(double* u, const double* source, double h_s, double theta);

  /// Factorisations computed so far (for tests and profiles).
  long factorisations() const;
  /// Bytes the solver holds (operator, factorisations' values, scratch), for memory reports.
  std::size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skinheal
