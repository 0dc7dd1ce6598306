// The gel: from the height map the gel camera rendered to the shaded sensor image.
// One invocation per pixel; workgroup z is the sensor (layer) index.

struct Globals {
    width: u32,
    height: u32,
    layers: u32,
    _pad0: u32,
    pixel_mm: f32,
    max_indent_mm: f32,
    touch_tol_mm: f32,
    gain: f32,
    // Unit vectors from the gel toward the red, green and blue lights (sensor frame).
    light: array<vec4<f32>, 3>,
    background: vec4<f32>,
}

struct Sensor {
    force_depth_mm: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

struct Blur {
    sigma_px: f32,
    radius: i32,
    hold: u32,
    _pad0: u32,
    // Normalised Gaussian weights for offsets 0..=radius (4 per vec4), computed once on the CPU.
    weights: array<vec4<f32>, 15>,
}

@group(0) @binding(0) var<uniform> g: Globals;
@group(0) @binding(1) var<storage, read> sensors: array<Sensor>;
@group(0) @binding(2) var height_map: texture_2d_array<f32>;
@group(0) @binding(3) var<storage, read_write> min_key: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> held: array<f32>;
@group(0) @binding(5) var<storage, read_write> field_a: array<f32>;
@group(0) @binding(6) var<storage, read_write> field_b: array<f32>;
@group(0) @binding(7) var<storage, read_write> out_rgba: array<u32>;
@group(1) @binding(0) var<uniform> blur: Blur;

// Half-width of the blur kernel in pixels, fixed per pipeline so the tap loops have a constant
// length.
override RADIUS: i32 = 1;

// Heights are offset so that every key is a positive float, whose bits sort like the value.
const KEY_OFFSET_MM: f32 = 1000.0;

fn index(x: u32, y: u32, layer: u32) -> u32 {
    return (layer * g.height + y) * g.width + x;
}

fn height_mm(x: u32, y: u32, layer: u32) -> f32 {
    return textureLoad(height_map, vec2<i32>(i32(x), i32(y)), i32(layer), 0).r * 1000.0;
}

var<workgroup> group_min: atomic<u32>;

@compute @workgroup_size(8, 8, 1)
fn min_height(
    @builtin(global_invocation_id) id: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    if local == 0u {
        atomicStore(&group_min, 0xffffffffu);
    }
    workgroupBarrier();
    if id.x < g.width && id.y < g.height {
        // A pixel counts as near only if one of its four neighbours is about as near: one stray
        // pixel of the height map (a sliver of geometry seen edge-on) cannot then set the whole
        // imprint's depth and leave the rest of the frame blank, while a ridge one pixel wide
        // (an edge, a thin bar) still does.
        let x0 = max(id.x, 1u) - 1u;
        let y0 = max(id.y, 1u) - 1u;
        let x1 = min(id.x + 1u, g.width - 1u);
        let y1 = min(id.y + 1u, g.height - 1u);
        let around = min(
            min(height_mm(x0, id.y, id.z), height_mm(x1, id.y, id.z)),
            min(height_mm(id.x, y0, id.z), height_mm(id.x, y1, id.z)),
        );
        let h = max(height_mm(id.x, id.y, id.z), around);
        let key = bitcast<u32>(max(h + KEY_OFFSET_MM, 0.0));
        atomicMin(&group_min, key);
    }
    workgroupBarrier();
    if local == 0u {
        atomicMin(&min_key[id.z], atomicLoad(&group_min));
    }
}

@compute @workgroup_size(8, 8, 1)
fn indent(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= g.width || id.y >= g.height {
        return;
    }
    let i = index(id.x, id.y, id.z);
    let h = height_mm(id.x, id.y, id.z);
    let h_min = bitcast<f32>(atomicLoad(&min_key[id.z])) - KEY_OFFSET_MM;
    var p = 0.0;
    if h_min <= g.touch_tol_mm {
        // Pressed by the force, or by the overlap the geometry already shows if that is deeper.
        let d = min(max(sensors[id.z].force_depth_mm, -h_min), g.max_indent_mm);
        p = clamp(d - (h - h_min), 0.0, g.max_indent_mm);
    }
    held[i] = p;
    field_a[i] = p;
}

fn gauss(k: i32) -> f32 {
    let a = u32(abs(k));
    return blur.weights[a / 4u][a % 4u];
}

@compute @workgroup_size(8, 8, 1)
fn blur_x(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= g.width || id.y >= g.height {
        return;
    }
    let row = (id.z * g.height + id.y) * g.width;
    let last = i32(g.width) - 1;
    var sum = 0.0;
    for (var k = -RADIUS; k <= RADIUS; k++) {
        let x = u32(clamp(i32(id.x) + k, 0, last));
        sum += gauss(k) * field_a[row + x];
    }
    field_b[row + id.x] = sum;
}

@compute @workgroup_size(8, 8, 1)
fn blur_y(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= g.width || id.y >= g.height {
        return;
    }
    let plane = id.z * g.height * g.width;
    let last = i32(g.height) - 1;
    var sum = 0.0;
    for (var k = -RADIUS; k <= RADIUS; k++) {
        let y = u32(clamp(i32(id.y) + k, 0, last));
        sum += gauss(k) * field_b[plane + y * g.width + id.x];
    }
    let i = index(id.x, id.y, id.z);
    var v = sum;
    // Wherever the object reaches, the membrane is pushed at least that deep. Where the smoothed
    // membrane is deeper (near the rim of a contact) it has pulled away from the object, which
    // keeps the surface continuous instead of leaving a groove around the imprint.
    if blur.hold != 0u {
        v = max(v, held[i]);
    }
    field_a[i] = v;
}

fn field(x: i32, y: i32, layer: u32) -> f32 {
    let cx = u32(clamp(x, 0, i32(g.width) - 1));
    let cy = u32(clamp(y, 0, i32(g.height) - 1));
    return field_a[index(cx, cy, layer)];
}

@compute @workgroup_size(8, 8, 1)
fn shade(@builtin(global_invocation_id) id: vec3<u32>) {
    if id.x >= g.width || id.y >= g.height {
        return;
    }
    let x = i32(id.x);
    let y = i32(id.y);
    // Sobel slopes: the camera's optics blur the membrane a little, and a 3x3 stencil keeps the
    // one-pixel step at the rim of a contact from ringing in colour.
    let l = id.z;
    let gx = (field(x + 1, y - 1, l) + 2.0 * field(x + 1, y, l) + field(x + 1, y + 1, l)
        - field(x - 1, y - 1, l) - 2.0 * field(x - 1, y, l) - field(x - 1, y + 1, l))
        / (8.0 * g.pixel_mm);
    let gy = (field(x - 1, y + 1, l) + 2.0 * field(x, y + 1, l) + field(x + 1, y + 1, l)
        - field(x - 1, y - 1, l) - 2.0 * field(x, y - 1, l) - field(x + 1, y - 1, l))
        / (8.0 * g.pixel_mm);
    // The membrane bulges toward the camera where pressed; its normal faces the camera (-z).
    let n = normalize(vec3<f32>(-gx, -gy, -1.0));
    let flat_n = vec3<f32>(0.0, 0.0, -1.0);
    // Position in the window, -1..1, for the lights' falloff across the flat gel.
    let r = vec2<f32>(
        (f32(id.x) + 0.5) / f32(g.width) * 2.0 - 1.0,
        (f32(id.y) + 0.5) / f32(g.height) * 2.0 - 1.0,
    );
    var colour = vec3<f32>(0.0);
    for (var c = 0; c < 3; c++) {
        let l = g.light[c].xyz;
        let background = g.background[c] + 0.08 * dot(r, normalize(l.xy));
        colour[c] = background + g.gain * (dot(n, l) - dot(flat_n, l));
    }
    let i = index(id.x, id.y, id.z);
    let touching = select(0.0, 1.0, held[i] > 0.0);
    out_rgba[i] = pack4x8unorm(vec4<f32>(clamp(colour, vec3<f32>(0.0), vec3<f32>(1.0)), touching));
}
