// Scene meshes for the colour cameras and for the gel's depth view.

struct View {
    view: mat4x4<f32>,
    proj: mat4x4<f32>,
    eye: vec4<f32>,
    light: vec4<f32>,
}

struct Instance {
    model: mat4x4<f32>,
    normal: mat4x4<f32>,
    colour: vec4<f32>,
}

@group(0) @binding(0) var<uniform> view: View;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) view_pos: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec3<f32>,
    @location(3) world_pos: vec3<f32>,
}

@vertex
fn vs_main(
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @builtin(instance_index) index: u32,
) -> VsOut {
    let inst = instances[index];
    let world = inst.model * vec4<f32>(position, 1.0);
    let eye_space = view.view * world;
    var out: VsOut;
    out.clip = view.proj * eye_space;
    out.view_pos = eye_space.xyz;
    out.normal = (inst.normal * vec4<f32>(normal, 0.0)).xyz;
    out.colour = inst.colour.rgb;
    out.world_pos = world.xyz;
    return out;
}

struct ColourOut {
    @location(0) colour: vec4<f32>,
    @location(1) depth: f32,
}

@fragment
fn fs_colour(in: VsOut) -> ColourOut {
    var n = normalize(in.normal);
    let to_eye = normalize(view.eye.xyz - in.world_pos);
    // Two-sided: meshes from files may wind either way.
    if dot(n, to_eye) < 0.0 {
        n = -n;
    }
    let key = max(dot(n, normalize(view.light.xyz)), 0.0);
    let fill = max(dot(n, to_eye), 0.0);
    var out: ColourOut;
    // light.w: the key light's brightness.
    out.colour = vec4<f32>(in.colour * (0.22 + 0.65 * view.light.w * key + 0.25 * fill), 1.0);
    out.depth = -in.view_pos.z;
    return out;
}

// The gel's view: distance of the nearest surface from the gel plane along its outward normal.
@fragment
fn fs_gel(in: VsOut) -> @location(0) f32 {
    return -in.view_pos.z;
}
