// Textured rectangles: the main view and the insets of the viewer window.

struct Rect {
    // Corners in clip space: x0, y0 (bottom left), x1, y1 (top right).
    corners: vec4<f32>,
}

@group(0) @binding(0) var<uniform> rect: Rect;
@group(0) @binding(1) var image: texture_2d<f32>;
@group(0) @binding(2) var image_sampler: sampler;

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> VsOut {
    // Two triangles from six vertex indices.
    let corner = array<vec2<f32>, 6>(
        vec2<f32>(0.0, 0.0), vec2<f32>(1.0, 0.0), vec2<f32>(0.0, 1.0),
        vec2<f32>(0.0, 1.0), vec2<f32>(1.0, 0.0), vec2<f32>(1.0, 1.0),
    )[i];
    var out: VsOut;
    out.clip = vec4<f32>(mix(rect.corners.xy, rect.corners.zw, corner), 0.0, 1.0);
    out.uv = vec2<f32>(corner.x, 1.0 - corner.y);
    return out;
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    return textureSample(image, image_sampler, in.uv);
}
