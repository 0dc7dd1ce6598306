//! The renderer: one device, the meshes uploaded once, and per-call instance and view data, so
//! that a batch of views (many environments, several cameras, several gels) is one submission.

use std::collections::HashMap;
use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use glam::{Mat4, Vec3};

use crate::RenderError;
use crate::camera_pass::CameraTargets;
use crate::geometry::{Item, SceneGeometry};
use crate::gpu::{Gpu, GpuOptions};
use crate::mesh::{MeshData, MeshKey, Vertex};
use crate::tactile::TactileConfig;
use crate::tactile_pass::TactilePass;

/// Per-view constants, padded to the 256-byte uniform offset alignment.
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(crate) struct ViewUniform {
    pub view: [[f32; 4]; 4],
    pub proj: [[f32; 4]; 4],
    pub eye: [f32; 4],
    pub light: [f32; 4],
    pub _pad: [f32; 24],
}
pub(crate) const VIEW_STRIDE: u64 = 256;

impl ViewUniform {
    pub fn new(view: Mat4, proj: Mat4, eye: Vec3, light: [f32; 4]) -> Self {
        Self {
            view: view.to_cols_array_2d(),
            proj: proj.to_cols_array_2d(),
            eye: eye.extend(1.0).to_array(),
            light,
            _pad: [0.0; 24],
        }
    }
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct InstanceData {
    model: [[f32; 4]; 4],
    normal: [[f32; 4]; 4],
    colour: [f32; 4],
}

#[derive(Clone, Copy)]
struct MeshRange {
    first_index: u32,
    index_count: u32,
    base_vertex: i32,
}

/// Items to draw for one view, as (instance index, mesh) in the uploaded instance buffer.
pub(crate) struct PreparedView {
    pub uniform_offset: u32,
    pub draws: Vec<(u32, MeshKey)>,
}

pub(crate) struct ScenePipelines {
    pub layout: wgpu::BindGroupLayout,
    pub colour: wgpu::RenderPipeline,
    pub gel: wgpu::RenderPipeline,
}

/// Draws scene cameras and gel tactile images. Create one per process and reuse it: building
/// pipelines takes tens of milliseconds, drawing a small image well under one.
///
/// ```no_run
/// use byfeel_render::{Renderer, SceneGeometry, Camera};
/// use byfeel_sim::{World, Randomization};
/// let world = World::from_scene_file("assets/scenes/door.toml", Randomization::Nominal)?;
/// let mut renderer = Renderer::new()?;
/// let camera = Camera::from_config(&world.config.cameras[0]);
/// let image = renderer.render_cameras(&[(&SceneGeometry::from_world(&world), &camera)])?;
/// image[0].save_png("door.png")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Renderer {
    pub(crate) gpu: Arc<Gpu>,
    options: GpuOptions,
    mesh_data: Vec<(MeshKey, Arc<MeshData>)>,
    mesh_ranges: HashMap<MeshKey, MeshRange>,
    vertex_buffer: Option<wgpu::Buffer>,
    index_buffer: Option<wgpu::Buffer>,
    instance_buffer: Option<wgpu::Buffer>,
    view_buffer: Option<wgpu::Buffer>,
    pub(crate) bind_group: Option<wgpu::BindGroup>,
    pub(crate) pipelines: ScenePipelines,
    pub(crate) camera_targets: HashMap<(u32, u32), CameraTargets>,
    pub(crate) tactile: TactilePass,
}

impl Renderer {
    /// A renderer on the adapter chosen by `BYFEEL_GPU_BACKEND` / `BYFEEL_ADAPTER` (see
    /// [`GpuOptions`]), with the default tactile sensor.
    pub fn new() -> Result<Self, RenderError> {
        Self::with_options(GpuOptions::from_env(), TactileConfig::default())
    }

    pub fn with_options(options: GpuOptions, tactile: TactileConfig) -> Result<Self, RenderError> {
        let gpu = Arc::new(Gpu::new(&options)?);
        Ok(Self::on_gpu(gpu, options, tactile))
    }

    /// A renderer on an existing device (the viewer shares its window's device).
    pub fn on_gpu(gpu: Arc<Gpu>, options: GpuOptions, tactile: TactileConfig) -> Self {
        let pipelines = scene_pipelines(&gpu.device);
        let tactile = TactilePass::new(&gpu.device, tactile);
        Self {
            gpu,
            options,
            mesh_data: Vec::new(),
            mesh_ranges: HashMap::new(),
            vertex_buffer: None,
            index_buffer: None,
            instance_buffer: None,
            view_buffer: None,
            bind_group: None,
            pipelines,
            camera_targets: HashMap::new(),
            tactile,
        }
    }

    /// The device this renderer draws on.
    pub fn gpu(&self) -> &Arc<Gpu> {
        &self.gpu
    }

    /// The tactile sensor's settings.
    pub fn tactile_config(&self) -> &TactileConfig {
        &self.tactile.config
    }

    /// Changes the tactile sensor (size, stiffness ...), checking it first.
    pub fn set_tactile_config(&mut self, config: TactileConfig) -> Result<(), RenderError> {
        config.validate()?;
        self.tactile = TactilePass::new(&self.gpu.device, config);
        Ok(())
    }

    /// Runs `draw`; if the device was lost meanwhile, recreates the device and everything on it
    /// and runs `draw` once more, so a long run survives a driver reset.
    pub(crate) fn with_recovery<T>(
        &mut self,
        mut draw: impl FnMut(&mut Self) -> Result<T, RenderError>,
    ) -> Result<T, RenderError> {
        if self.gpu.is_lost() {
            self.recreate()?;
        }
        match draw(self) {
            Err(RenderError::DeviceLost(why)) => {
                eprintln!("byfeel-render: graphics device lost ({why}); recreating it");
                self.recreate()?;
                draw(self)
            }
            other => other,
        }
    }

    fn recreate(&mut self) -> Result<(), RenderError> {
        let gpu = Gpu::new(&self.options).map_err(|e| RenderError::DeviceLost(e.to_string()))?;
        let config = self.tactile.config.clone();
        let meshes = std::mem::take(&mut self.mesh_data);
        *self = Self::on_gpu(Arc::new(gpu), self.options.clone(), config);
        self.mesh_data = meshes;
        self.upload_meshes();
        Ok(())
    }

    fn upload_meshes(&mut self) {
        use wgpu::util::DeviceExt;
        let (mut vertices, mut indices) = (Vec::<Vertex>::new(), Vec::<u32>::new());
        self.mesh_ranges.clear();
        for (key, m) in &self.mesh_data {
            self.mesh_ranges.insert(
                *key,
                MeshRange {
                    first_index: indices.len() as u32,
                    index_count: m.indices.len() as u32,
                    base_vertex: vertices.len() as i32,
                },
            );
            vertices.extend_from_slice(&m.vertices);
            indices.extend_from_slice(&m.indices);
        }
        // Buffers may not be empty; a scene with no shapes still binds something.
        if vertices.is_empty() {
            vertices.push(Vertex {
                position: [0.0; 3],
                normal: [0.0; 3],
            });
            indices.push(0);
        }
        let device = &self.gpu.device;
        self.vertex_buffer = Some(
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("byfeel vertices"),
                contents: bytemuck::cast_slice(&vertices),
                usage: wgpu::BufferUsages::VERTEX,
            }),
        );
        self.index_buffer = Some(
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("byfeel indices"),
                contents: bytemuck::cast_slice(&indices),
                usage: wgpu::BufferUsages::INDEX,
            }),
        );
    }

    /// Uploads what `views` need: new meshes, every drawn item's instance data and each view's
    /// constants. `keep` picks which items a view draws.
    pub(crate) fn prepare(
        &mut self,
        views: &[(&SceneGeometry, ViewUniform)],
        keep: impl Fn(&Item) -> bool,
    ) -> Vec<PreparedView> {
        let mut new_mesh = false;
        for (geometry, _) in views {
            for item in &geometry.items {
                if self.mesh_ranges.contains_key(&item.mesh)
                    || self.mesh_data.iter().any(|(k, _)| *k == item.mesh)
                {
                    continue;
                }
                let data = match item.mesh {
                    MeshKey::Custom(_) => geometry.meshes.get(&item.mesh).cloned(),
                    k => MeshData::unit(k).map(Arc::new),
                };
                if let Some(d) = data {
                    self.mesh_data.push((item.mesh, d));
                    new_mesh = true;
                }
            }
        }
        if new_mesh || self.vertex_buffer.is_none() {
            self.upload_meshes();
        }
        let mut instances = Vec::new();
        let mut uniforms = Vec::new();
        let mut prepared = Vec::with_capacity(views.len());
        for (i, (geometry, uniform)) in views.iter().enumerate() {
            let mut draws = Vec::new();
            for item in geometry.items.iter().filter(|it| keep(it)) {
                if !self.mesh_ranges.contains_key(&item.mesh) {
                    continue;
                }
                draws.push((instances.len() as u32, item.mesh));
                instances.push(InstanceData {
                    model: item.model.to_cols_array_2d(),
                    normal: item.model.inverse().transpose().to_cols_array_2d(),
                    colour: geometry.colour(item.part),
                });
            }
            uniforms.push(*uniform);
            prepared.push(PreparedView {
                uniform_offset: (i as u64 * VIEW_STRIDE) as u32,
                draws,
            });
        }
        if instances.is_empty() {
            instances.push(InstanceData::zeroed());
        }
        let device = &self.gpu.device;
        let inst_bytes: &[u8] = bytemuck::cast_slice(&instances);
        let view_bytes: &[u8] = bytemuck::cast_slice(&uniforms);
        let mut rebind = false;
        grow(
            device,
            &mut self.instance_buffer,
            inst_bytes.len() as u64,
            wgpu::BufferUsages::STORAGE,
            &mut rebind,
        );
        grow(
            device,
            &mut self.view_buffer,
            view_bytes.len() as u64,
            wgpu::BufferUsages::UNIFORM,
            &mut rebind,
        );
        let (ib, vb) = (
            self.instance_buffer.as_ref().unwrap(),
            self.view_buffer.as_ref().unwrap(),
        );
        self.gpu.queue.write_buffer(ib, 0, inst_bytes);
        self.gpu.queue.write_buffer(vb, 0, view_bytes);
        if rebind || self.bind_group.is_none() {
            self.bind_group = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("byfeel scene"),
                layout: &self.pipelines.layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: vb,
                            offset: 0,
                            size: wgpu::BufferSize::new(VIEW_STRIDE),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: ib.as_entire_binding(),
                    },
                ],
            }));
        }
        prepared
    }

    /// Records the draws of one prepared view into `pass`.
    pub(crate) fn draw_view(&self, pass: &mut wgpu::RenderPass<'_>, view: &PreparedView) {
        if view.draws.is_empty() {
            return;
        }
        let (Some(vb), Some(ib), Some(bg)) =
            (&self.vertex_buffer, &self.index_buffer, &self.bind_group)
        else {
            return;
        };
        pass.set_bind_group(0, bg, &[view.uniform_offset]);
        pass.set_vertex_buffer(0, vb.slice(..));
        pass.set_index_buffer(ib.slice(..), wgpu::IndexFormat::Uint32);
        for &(instance, key) in &view.draws {
            let r = self.mesh_ranges[&key];
            pass.draw_indexed(
                r.first_index..r.first_index + r.index_count,
                r.base_vertex,
                instance..instance + 1,
            );
        }
    }
}

/// Replaces `buffer` with a larger one when `size` does not fit (doubling, so it settles fast).
fn grow(
    device: &wgpu::Device,
    buffer: &mut Option<wgpu::Buffer>,
    size: u64,
    usage: wgpu::BufferUsages,
    rebind: &mut bool,
) {
    let size = size.max(VIEW_STRIDE);
    if buffer.as_ref().is_none_or(|b| b.size() < size) {
        *buffer = Some(device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("byfeel draw data"),
            size: size.next_power_of_two(),
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }));
        *rebind = true;
    }
}

pub(crate) const COLOUR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
pub(crate) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

fn scene_pipelines(device: &wgpu::Device) -> ScenePipelines {
    let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("byfeel scene shader"),
        source: wgpu::ShaderSource::Wgsl(include_str!("shaders/scene.wgsl").into()),
    });
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("byfeel scene"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(VIEW_STRIDE),
                },
                count: None,
            },
            wgpu::BindGroupLayoutEntry {
                binding: 1,
                visibility: wgpu::ShaderStages::VERTEX,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: true },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
        ],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("byfeel scene"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let vertex_layout = wgpu::VertexBufferLayout {
        array_stride: std::mem::size_of::<Vertex>() as u64,
        step_mode: wgpu::VertexStepMode::Vertex,
        attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3],
    };
    let make = |label, entry, targets: &[Option<wgpu::ColorTargetState>]| {
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(label),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[Some(vertex_layout.clone())],
            },
            // No culling: meshes from files wind either way, and the gel must see the inside of
            // whatever pokes through its near plane.
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(true),
                depth_compare: Some(wgpu::CompareFunction::Less),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                targets,
            }),
            multiview_mask: None,
            cache: None,
        })
    };
    let colour = make(
        "byfeel camera",
        "fs_colour",
        &[
            Some(COLOUR_FORMAT.into()),
            Some(wgpu::TextureFormat::R32Float.into()),
        ],
    );
    let gel = make(
        "byfeel gel depth",
        "fs_gel",
        &[Some(wgpu::TextureFormat::R32Float.into())],
    );
    ScenePipelines {
        layout,
        colour,
        gel,
    }
}
