// The 3D view for 3D runs: grid outline and an isosurface (see detail/pieces.hpp).
#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkCellData.h>
#include <vtkCellDataToPointData.h>
#include <vtkContourFilter.h>
#include <vtkDoubleArray.h>
#include <vtkFloatArray.h>
#include <vtkNew.h>
#include <vtkOutlineFilter.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRectilinearGrid.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>

#include <algorithm>

#include "cli/render/detail/pieces.hpp"

namespace skinheal::render::detail {

void add_isosurface_view(Canvas& canvas, const Rect& rect, const ResultGrid& g,
                         const std::vector<float>& values, double iso, const std::string& caption) {
  // World axes: x, y lateral (µm); z = −depth so the surface is on top. Rectilinear
  // coordinates must increase, so the deepest face comes first.
  vtkNew<vtkDoubleArray> xc, yc, zc;
  for (int i = 0; i <= g.nx; ++i) xc->InsertNextValue(g.x_um.front() + (i - 0.5) * g.dx_um);
  for (int j = 0; j <= g.ny; ++j) yc->InsertNextValue(g.y_um.front() + (j - 0.5) * g.dx_um);
  for (int k = g.nz; k >= 0; --k) zc->InsertNextValue(-g.z_faces_um[k]);
  vtkNew<vtkRectilinearGrid> grid;
  grid->SetDimensions(g.nx + 1, g.ny + 1, g.nz + 1);
  grid->SetXCoordinates(xc);
  grid->SetYCoordinates(yc);
  grid->SetZCoordinates(zc);
  vtkNew<vtkFloatArray> cells;
  cells->SetName("value");
  const std::size_t plane = static_cast<std::size_t>(g.nx) * g.ny;
  cells->SetNumberOfTuples(static_cast<vtkIdType>(plane * g.nz));
  for (int kw = 0; kw < g.nz; ++kw) {  // world layer kw is depth row nz − 1 − kw
    const std::size_t k = static_cast<std::size_t>(g.nz - 1 - kw);
    for (std::size_t p = 0; p < plane; ++p)
      cells->SetValue(static_cast<vtkIdType>(kw * plane + p), values[k * plane + p]);
  }
  grid->GetCellData()->SetScalars(cells);

  vtkRenderer* ren = canvas.add_renderer(rect, {1, 1, 1});
  vtkNew<vtkOutlineFilter> outline;
  outline->SetInputData(grid);
  vtkNew<vtkPolyDataMapper> outline_mapper;
  outline_mapper->SetInputConnection(outline->GetOutputPort());
  vtkNew<vtkActor> outline_actor;
  outline_actor->SetMapper(outline_mapper);
  outline_actor->GetProperty()->SetColor(0.2, 0.2, 0.2);
  ren->AddActor(outline_actor);

  vtkNew<vtkCellDataToPointData> to_points;
  to_points->SetInputData(grid);
  vtkNew<vtkContourFilter> contour;
  contour->SetInputConnection(to_points->GetOutputPort());
  contour->SetValue(0, iso);
  vtkNew<vtkPolyDataMapper> mapper;
  mapper->SetInputConnection(contour->GetOutputPort());
  mapper->ScalarVisibilityOff();
  vtkNew<vtkActor> surface;
  surface->SetMapper(mapper);
  surface->GetProperty()->SetColor(0.80, 0.15, 0.15);
  ren->AddActor(surface);

  vtkNew<vtkTextActor> text;
  text->SetInput(caption.c_str());
  text->SetPosition(8, 8);
  text->GetTextProperty()->SetFontSize(std::clamp(rect.h / 22, 10, 16));
  text->GetTextProperty()->SetColor(0.1, 0.1, 0.1);
  ren->AddActor2D(text);

  double b[6];
  grid->GetBounds(b);
  const double c[3] = {0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), 0.5 * (b[4] + b[5])};
  vtkCamera* cam = ren->GetActiveCamera();
  cam->SetFocalPoint(c);
  cam->SetPosition(c[0] + 1.0, c[1] - 1.6, c[2] + 0.9);  // from the front, slightly above
  cam->SetViewUp(0, 0, 1);
  // ResetCamera fits the bounding sphere to the view; leave a margin (the caption sits in the
  // bottom-left corner), instead of zooming in and cutting the box off at the bottom.
  ren->ResetCamera();
  cam->Zoom(0.9);
}

}  // namespace skinheal::render::detail
