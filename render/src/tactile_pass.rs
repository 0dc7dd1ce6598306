//! The gel sensor on the GPU: the gel camera's height map (a render pass per sensor), then
//! compute passes over all sensors at once (min height, indentation, membrane pyramid,
//! shading), then one readback. See `tactile.rs` for the model.

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3};

use crate::RenderError;
use crate::geometry::SceneGeometry;
use crate::layers::{array_texture, cleared, layer_views, red, scratch_depth};
use crate::renderer::{DEPTH_FORMAT, Renderer, ViewUniform};
use crate::tactile::{GelState, TactileConfig, TactileImage};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct Globals {
    width: u32,
    height: u32,
    layers: u32,
    _pad0: u32,
    pixel_mm: f32,
    max_indent_mm: f32,
    touch_tol_mm: f32,
    gain: f32,
    light: [[f32; 4]; 3],
    background: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct SensorParams {
    force_depth_mm: f32,
    _pad: [f32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct BlurParams {
    sigma_px: f32,
    radius: i32,
    hold: u32,
    _pad: u32,
    weights: [f32; MAX_BLUR_RADIUS + 1],
}

/// Widest blur, in pixels either side, that fits one 256-byte uniform slot.
const MAX_BLUR_RADIUS: usize = 59;
const _: () = assert!(std::mem::size_of::<BlurParams>() == 256);

const STAGES: [&str; 3] = ["min_height", "indent", "shade"];

/// Buffers and textures for `layers` sensors, kept between calls.
struct Targets {
    layers: u32,
    height_views: Vec<wgpu::TextureView>,
    depth_views: Vec<wgpu::TextureView>,
    globals: wgpu::Buffer,
    sensors: wgpu::Buffer,
    min_key: wgpu::Buffer,
    field_a: wgpu::Buffer,
    out_rgba: wgpu::Buffer,
    readback: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

pub(crate) struct TactilePass {
    pub config: TactileConfig,
    layout: wgpu::BindGroupLayout,
    pipelines: Vec<wgpu::ComputePipeline>,
    shader: wgpu::ShaderModule,
    pipeline_layout: wgpu::PipelineLayout,
    /// Blur pipelines (along x, along y) by kernel radius: the radius is a constant of the
    /// pipeline so the tap loop has a fixed length the driver can unroll.
    blurs: std::collections::HashMap<i32, (wgpu::ComputePipeline, wgpu::ComputePipeline)>,
    blur_buffer: wgpu::Buffer,
    blur_group: wgpu::BindGroup,
    targets: Option<Targets>,
}

fn storage(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn uniform(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

impl TactilePass {
    pub fn new(device: &wgpu::Device, config: TactileConfig) -> Self {
        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("byfeel tactile shader"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shaders/tactile.wgsl").into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("byfeel tactile"),
            entries: &[
                uniform(0, false),
                storage(1, true),
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::COMPUTE,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2Array,
                        multisampled: false,
                    },
                    count: None,
                },
                storage(3, false),
                storage(4, false),
                storage(5, false),
                storage(6, false),
                storage(7, false),
            ],
        });
        let blur_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("byfeel tactile blur"),
            entries: &[uniform(0, true)],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("byfeel tactile"),
            bind_group_layouts: &[Some(&layout), Some(&blur_layout)],
            immediate_size: 0,
        });
        let pipelines = STAGES
            .iter()
            .map(|entry| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry),
                    layout: Some(&pipeline_layout),
                    module: &shader,
                    entry_point: Some(entry),
                    compilation_options: Default::default(),
                    cache: None,
                })
            })
            .collect();
        // One 256-byte slot per pyramid level (dynamic offsets must be 256-aligned).
        let blur_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("byfeel tactile blur"),
            size: 256 * 8,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let blur_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("byfeel tactile blur"),
            layout: &blur_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &blur_buffer,
                    offset: 0,
                    size: wgpu::BufferSize::new(256),
                }),
            }],
        });
        Self {
            config,
            layout,
            pipelines,
            shader,
            pipeline_layout,
            blurs: Default::default(),
            blur_buffer,
            blur_group,
            targets: None,
        }
    }

    fn ensure_blur(&mut self, device: &wgpu::Device, radius: i32) {
        if self.blurs.contains_key(&radius) {
            return;
        }
        let make = |entry| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&self.pipeline_layout),
                module: &self.shader,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("RADIUS", radius as f64)],
                    ..Default::default()
                },
                cache: None,
            })
        };
        let pair = (make("blur_x"), make("blur_y"));
        self.blurs.insert(radius, pair);
    }

    fn ensure_targets(&mut self, device: &wgpu::Device, layers: u32) {
        if self.targets.as_ref().is_none_or(|t| t.layers < layers) {
            let layers = layers.next_power_of_two();
            let (w, h) = (self.config.width, self.config.height);
            let tex =
                |label, format, usage| array_texture(device, label, (w, h, layers), format, usage);
            let height = tex(
                "byfeel gel height",
                wgpu::TextureFormat::R32Float,
                wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
            );
            let depth = tex(
                "byfeel gel z-buffer",
                DEPTH_FORMAT,
                wgpu::TextureUsages::RENDER_ATTACHMENT,
            );
            let pixels = (w * h * layers) as u64;
            let buf = |label, size: u64, usage| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(label),
                    size,
                    usage,
                    mapped_at_creation: false,
                })
            };
            use wgpu::BufferUsages as U;
            let globals = buf(
                "tactile globals",
                std::mem::size_of::<Globals>() as u64,
                U::UNIFORM | U::COPY_DST,
            );
            let sensors = buf(
                "tactile sensors",
                16 * layers as u64,
                U::STORAGE | U::COPY_DST,
            );
            let min_key = buf("tactile min", 4 * layers as u64, U::STORAGE | U::COPY_DST);
            let held = buf("tactile held", 4 * pixels, U::STORAGE);
            let field_a = buf("tactile field a", 4 * pixels, U::STORAGE | U::COPY_SRC);
            let field_b = buf("tactile field b", 4 * pixels, U::STORAGE);
            let out_rgba = buf("tactile rgba", 4 * pixels, U::STORAGE | U::COPY_SRC);
            let readback = buf("tactile readback", 8 * pixels, U::COPY_DST | U::MAP_READ);
            let array_view = height.create_view(&wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::D2Array),
                ..Default::default()
            });
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("byfeel tactile"),
                layout: &self.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: globals.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: sensors.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::TextureView(&array_view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: min_key.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: held.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: field_a.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: field_b.as_entire_binding(),
                    },
                    wgpu::BindGroupEntry {
                        binding: 7,
                        resource: out_rgba.as_entire_binding(),
                    },
                ],
            });
            self.targets = Some(Targets {
                layers,
                height_views: layer_views(&height, layers),
                depth_views: layer_views(&depth, layers),
                globals,
                sensors,
                min_key,
                field_a,
                out_rgba,
                readback,
                bind_group,
            });
        }
    }
}

/// The gel camera: orthographic, looking out of the pad along +z, from `reach` behind the
/// surface to `reach` in front of it.
fn gel_view(state: &GelState, config: &TactileConfig) -> ViewUniform {
    let (w, h, _) = config.window(state.half_size);
    let reach = config.reach_mm / 1000.0;
    // Camera axes: x = sensor x, y = -sensor y, looking along sensor +z (camera -z).
    let flip = Mat4::from_scale(Vec3::new(1.0, -1.0, -1.0));
    let view = flip * state.sensor_frame(config).inverse();
    let proj = glam::camera::rh::proj::directx::orthographic(
        -w / 2.0,
        w / 2.0,
        -h / 2.0,
        h / 2.0,
        -reach,
        reach,
    );
    let eye = state.frame.transform_point3(Vec3::ZERO);
    // The gel's depth pass draws no colour: the light is unused.
    ViewUniform::new(view, proj, eye, crate::geometry::DEFAULT_LIGHT)
}

impl Renderer {
    /// Renders the tactile image of each (scene, gel) pair, all in one submission.
    pub fn render_tactile(
        &mut self,
        sensors: &[(&SceneGeometry, GelState)],
    ) -> Result<Vec<TactileImage>, RenderError> {
        for (_, s) in sensors {
            s.check()?;
        }
        self.with_recovery(|r| r.render_tactile_once(sensors))
    }

    fn render_tactile_once(
        &mut self,
        sensors: &[(&SceneGeometry, GelState)],
    ) -> Result<Vec<TactileImage>, RenderError> {
        if sensors.is_empty() {
            return Ok(Vec::new());
        }
        let config = self.tactile.config.clone();
        let views: Vec<(&SceneGeometry, ViewUniform)> = sensors
            .iter()
            .map(|(g, s)| (*g, gel_view(s, &config)))
            .collect();
        // The gel feels the world, not the robot it is mounted on.
        let prepared = self.prepare(&views, |item| !item.part.is_robot());
        let device = self.gpu.device.clone();
        let queue = self.gpu.queue.clone();
        let n = sensors.len() as u32;
        let (w, h) = (config.width, config.height);
        // Every sensor of a batch shares the pad size of the first (one robot model per batch).
        let (_, _, pixel_m) = config.window(sensors[0].1.half_size);
        let globals = gel_globals(&config, n, pixel_m);
        let params: Vec<SensorParams> = sensors
            .iter()
            .map(|(_, s)| SensorParams {
                force_depth_mm: (s.force_n / config.stiffness_n_per_mm).min(config.max_indent_mm),
                _pad: [0.0; 3],
            })
            .collect();
        let (blur, radii) = blur_kernels(&config, pixel_m);
        for &radius in &radii {
            self.tactile.ensure_blur(&device, radius);
        }
        queue.write_buffer(&self.tactile.blur_buffer, 0, &blur);
        self.tactile.ensure_targets(&device, n);
        let t = self
            .tactile
            .targets
            .as_ref()
            .expect("targets were just made");
        queue.write_buffer(&t.globals, 0, bytemuck::bytes_of(&globals));
        queue.write_buffer(&t.sensors, 0, bytemuck::cast_slice(&params));
        queue.write_buffer(&t.min_key, 0, &vec![0xffu8; 4 * n as usize]);
        let mut encoder = device.create_command_encoder(&Default::default());
        let reach = config.reach_mm / 1000.0;
        for (layer, view) in prepared.iter().enumerate() {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("byfeel gel height"),
                color_attachments: &[cleared(&t.height_views[layer], red(reach as f64))],
                depth_stencil_attachment: scratch_depth(&t.depth_views[layer]),
                ..Default::default()
            });
            pass.set_pipeline(&self.pipelines.gel);
            self.draw_view(&mut pass, view);
        }
        {
            let p = &self.tactile.pipelines;
            let groups = (w.div_ceil(8), h.div_ceil(8), n);
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_bind_group(0, &t.bind_group, &[]);
            pass.set_bind_group(1, &self.tactile.blur_group, &[0]);
            let run = |pipeline: &wgpu::ComputePipeline, pass: &mut wgpu::ComputePass<'_>| {
                pass.set_pipeline(pipeline);
                pass.dispatch_workgroups(groups.0, groups.1, groups.2);
            };
            run(&p[0], &mut pass);
            run(&p[1], &mut pass);
            for (level, radius) in radii.iter().enumerate() {
                let (along_x, along_y) = &self.tactile.blurs[radius];
                pass.set_bind_group(1, &self.tactile.blur_group, &[256 * level as u32]);
                run(along_x, &mut pass);
                run(along_y, &mut pass);
            }
            run(&p[2], &mut pass);
        }
        let bytes = 4 * (w * h * n) as u64;
        encoder.copy_buffer_to_buffer(&t.out_rgba, 0, &t.readback, 0, bytes);
        encoder.copy_buffer_to_buffer(&t.field_a, 0, &t.readback, bytes, bytes);
        queue.submit([encoder.finish()]);
        let pixel_mm = pixel_m * 1000.0;
        self.gpu.read_buffer(&t.readback, |data| {
            tactile_images(data, sensors, (w, h), pixel_mm)
        })
    }
}

/// The gel pass's uniforms: image size and layers, the gel's scale and limits, the LEDs.
fn gel_globals(config: &TactileConfig, n: u32, pixel_m: f32) -> Globals {
    let (w, h) = (config.width, config.height);
    let light = |az: f32| {
        let (e, a) = (config.light_elevation_deg.to_radians(), az.to_radians());
        [e.cos() * a.cos(), e.cos() * a.sin(), -e.sin(), 0.0]
    };
    Globals {
        width: w,
        height: h,
        layers: n,
        _pad0: 0,
        pixel_mm: pixel_m * 1000.0,
        max_indent_mm: config.max_indent_mm,
        touch_tol_mm: config.touch_tolerance_mm,
        gain: config.gain,
        light: config.light_azimuth_deg.map(light),
        background: [
            config.background[0],
            config.background[1],
            config.background[2],
            0.0,
        ],
    }
}

/// The Gaussian smoothing kernels of `config.smoothing_mm` at the gel's pixel size, as the
/// blur pass's uniform buffer (256 bytes each) and their radii in pixels.
fn blur_kernels(config: &TactileConfig, pixel_m: f32) -> (Vec<u8>, Vec<i32>) {
    let mut blur = vec![0u8; 256 * config.smoothing_mm.len().max(1)];
    let mut radii = Vec::new();
    for (k, sigma_mm) in config.smoothing_mm.iter().enumerate() {
        let sigma_px = (sigma_mm / (pixel_m * 1000.0)).max(0.3);
        let radius = ((2.5 * sigma_px).ceil() as usize).min(MAX_BLUR_RADIUS);
        let mut weights = [0.0f32; MAX_BLUR_RADIUS + 1];
        for (k, w) in weights.iter_mut().enumerate().take(radius + 1) {
            *w = (-0.5 * (k as f32 / sigma_px).powi(2)).exp();
        }
        let total: f32 = weights[0] + 2.0 * weights[1..=radius].iter().sum::<f32>();
        weights.iter_mut().for_each(|w| *w /= total);
        let p = BlurParams {
            sigma_px,
            radius: radius as i32,
            hold: 1,
            _pad: 0,
            weights,
        };
        blur[256 * k..256 * (k + 1)].copy_from_slice(bytemuck::bytes_of(&p));
        radii.push(radius as i32);
    }
    (blur, radii)
}

/// Splits the read-back buffer (every layer's RGBA, then every layer's indentation field)
/// into one tactile image per sensor.
fn tactile_images(
    data: &[u8],
    sensors: &[(&SceneGeometry, GelState)],
    (w, h): (u32, u32),
    pixel_mm: f32,
) -> Vec<TactileImage> {
    let pixels = (w * h) as usize;
    let (rgba, field) = data.split_at(4 * pixels * sensors.len());
    sensors
        .iter()
        .enumerate()
        .map(|(layer, (_, s))| {
            let px = &rgba[4 * pixels * layer..4 * pixels * (layer + 1)];
            let f = &field[4 * pixels * layer..4 * pixels * (layer + 1)];
            let mut rgb = Vec::with_capacity(3 * pixels);
            let mut contact = Vec::with_capacity(pixels);
            for p in px.chunks_exact(4) {
                rgb.extend_from_slice(&p[..3]);
                contact.push(u8::from(p[3] > 127));
            }
            TactileImage {
                width: w,
                height: h,
                rgb,
                indentation_mm: f
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                contact,
                pixel_mm,
                force_n: s.force_n,
            }
        })
        .collect()
}
