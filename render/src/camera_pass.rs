//! Scene cameras: a batch of views rendered into layers of one texture array, copied into one
//! buffer and read back with one wait.

use crate::camera::Camera;
use crate::geometry::{DEFAULT_LIGHT, SceneGeometry};
use crate::layers::{array_texture, cleared, layer_views, red, scratch_depth};
use crate::renderer::{COLOUR_FORMAT, DEPTH_FORMAT, Renderer, ViewUniform};
use crate::{RenderError, image};

/// One camera picture: RGB (row-major, top row first) and depth in metres along the view axis
/// (`f32::INFINITY` where nothing was hit).
#[derive(Clone, Debug, PartialEq)]
pub struct CameraImage {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
    pub depth: Vec<f32>,
}

impl CameraImage {
    /// RGB of pixel (column, row).
    pub fn pixel(&self, col: u32, row: u32) -> [u8; 3] {
        let i = 3 * (row * self.width + col) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    pub fn depth_at(&self, col: u32, row: u32) -> f32 {
        self.depth[(row * self.width + col) as usize]
    }

    /// Writes the RGB image as a PNG file.
    pub fn save_png(&self, path: impl AsRef<std::path::Path>) -> Result<(), RenderError> {
        image::save_rgb_png(path.as_ref(), self.width, self.height, &self.rgb)
    }
}

/// Textures for `layers` views of one size, kept between calls.
pub(crate) struct CameraTargets {
    layers: u32,
    colour: wgpu::Texture,
    depth_out: wgpu::Texture,
    colour_views: Vec<wgpu::TextureView>,
    depth_out_views: Vec<wgpu::TextureView>,
    depth_views: Vec<wgpu::TextureView>,
    readback: wgpu::Buffer,
    row_bytes: u32,
}

fn padded_row(width: u32) -> u32 {
    let bytes = width * 4;
    bytes.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT
}

impl CameraTargets {
    fn new(device: &wgpu::Device, width: u32, height: u32, layers: u32) -> Self {
        let make = |label, format, usage| {
            array_texture(device, label, (width, height, layers), format, usage)
        };
        let copy = wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC;
        // Sampled too: the viewer draws the main view straight from this texture.
        let colour = make(
            "byfeel camera colour",
            COLOUR_FORMAT,
            copy | wgpu::TextureUsages::TEXTURE_BINDING,
        );
        let depth_out = make("byfeel camera depth", wgpu::TextureFormat::R32Float, copy);
        let depth = make(
            "byfeel camera z-buffer",
            DEPTH_FORMAT,
            wgpu::TextureUsages::RENDER_ATTACHMENT,
        );
        let row_bytes = padded_row(width);
        let readback = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("byfeel camera readback"),
            size: 2 * (row_bytes * height * layers) as u64,
            usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Self {
            layers,
            colour_views: layer_views(&colour, layers),
            depth_out_views: layer_views(&depth_out, layers),
            depth_views: layer_views(&depth, layers),
            colour,
            depth_out,
            readback,
            row_bytes,
        }
    }
}

fn encode_view(
    renderer: &Renderer,
    encoder: &mut wgpu::CommandEncoder,
    t: &CameraTargets,
    layer: usize,
    view: &crate::renderer::PreparedView,
) {
    let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("byfeel camera"),
        color_attachments: &[
            // A pale sky: the background is never confused with an object.
            cleared(
                &t.colour_views[layer],
                wgpu::Color {
                    r: 0.62,
                    g: 0.72,
                    b: 0.80,
                    a: 1.0,
                },
            ),
            cleared(&t.depth_out_views[layer], red(f64::INFINITY)),
        ],
        depth_stencil_attachment: scratch_depth(&t.depth_views[layer]),
        ..Default::default()
    });
    pass.set_pipeline(&renderer.pipelines.colour);
    renderer.draw_view(&mut pass, view);
}

impl Renderer {
    /// Renders one view into a texture kept on the device (no readback) and returns a view of
    /// it: what the viewer window shows. Valid until the next call with the same size.
    pub fn render_camera_to_texture(
        &mut self,
        geometry: &SceneGeometry,
        camera: &Camera,
    ) -> Result<wgpu::TextureView, RenderError> {
        camera.validate()?;
        let light = geometry.light.unwrap_or(DEFAULT_LIGHT);
        let uniform = ViewUniform::new(camera.view(), camera.projection(), camera.eye, light);
        let prepared = self.prepare(&[(geometry, uniform)], |_| true);
        let size = (camera.width, camera.height);
        if !self.camera_targets.contains_key(&size) {
            let t = CameraTargets::new(&self.gpu.device, size.0, size.1, 1);
            self.camera_targets.insert(size, t);
        }
        let t = &self.camera_targets[&size];
        let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
        encode_view(self, &mut encoder, t, 0, &prepared[0]);
        self.gpu.queue.submit([encoder.finish()]);
        Ok(t.colour.create_view(&wgpu::TextureViewDescriptor {
            dimension: Some(wgpu::TextureViewDimension::D2),
            base_array_layer: 0,
            array_layer_count: Some(1),
            ..Default::default()
        }))
    }

    /// Renders each (scene, camera) pair; all pairs go to the device in one submission. This
    /// is how many environments are drawn at once: pass one pair per environment.
    pub fn render_cameras(
        &mut self,
        views: &[(&SceneGeometry, &Camera)],
    ) -> Result<Vec<CameraImage>, RenderError> {
        for (_, c) in views {
            c.validate()?;
        }
        self.with_recovery(|r| r.render_cameras_once(views))
    }

    fn render_cameras_once(
        &mut self,
        views: &[(&SceneGeometry, &Camera)],
    ) -> Result<Vec<CameraImage>, RenderError> {
        if views.is_empty() {
            return Ok(Vec::new());
        }
        let uniforms: Vec<(&SceneGeometry, ViewUniform)> = views
            .iter()
            .map(|(g, c)| {
                let light = g.light.unwrap_or(DEFAULT_LIGHT);
                (*g, ViewUniform::new(c.view(), c.projection(), c.eye, light))
            })
            .collect();
        let prepared = self.prepare(&uniforms, |_| true);
        // Views of one size share a texture array; sizes are grouped in first-seen order.
        let mut groups: Vec<((u32, u32), Vec<usize>)> = Vec::new();
        for (i, (_, c)) in views.iter().enumerate() {
            let size = (c.width, c.height);
            match groups.iter_mut().find(|(s, _)| *s == size) {
                Some((_, v)) => v.push(i),
                None => groups.push((size, vec![i])),
            }
        }
        let device = self.gpu.device.clone();
        for ((w, h), members) in &groups {
            let n = members.len() as u32;
            let fits = self
                .camera_targets
                .get(&(*w, *h))
                .is_some_and(|t| t.layers >= n);
            if !fits {
                let layers = n.next_power_of_two();
                self.camera_targets
                    .insert((*w, *h), CameraTargets::new(&device, *w, *h, layers));
            }
        }
        let mut encoder = device.create_command_encoder(&Default::default());
        for ((w, h), members) in &groups {
            let t = &self.camera_targets[&(*w, *h)];
            for (layer, &vi) in members.iter().enumerate() {
                encode_view(self, &mut encoder, t, layer, &prepared[vi]);
            }
            let layer_bytes = (t.row_bytes * h) as u64;
            for (k, tex) in [&t.colour, &t.depth_out].into_iter().enumerate() {
                encoder.copy_texture_to_buffer(
                    wgpu::TexelCopyTextureInfo {
                        texture: tex,
                        mip_level: 0,
                        origin: wgpu::Origin3d::ZERO,
                        aspect: wgpu::TextureAspect::All,
                    },
                    wgpu::TexelCopyBufferInfo {
                        buffer: &t.readback,
                        layout: wgpu::TexelCopyBufferLayout {
                            offset: k as u64 * layer_bytes * t.layers as u64,
                            bytes_per_row: Some(t.row_bytes),
                            rows_per_image: Some(*h),
                        },
                    },
                    wgpu::Extent3d {
                        width: *w,
                        height: *h,
                        depth_or_array_layers: members.len() as u32,
                    },
                );
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
        let mut out: Vec<Option<CameraImage>> = vec![None; views.len()];
        for ((w, h), members) in &groups {
            let t = &self.camera_targets[&(*w, *h)];
            let (w, h) = (*w as usize, *h as usize);
            let row = t.row_bytes as usize;
            let depth_base = row * h * t.layers as usize;
            let images = self.gpu.read_buffer(&t.readback, |bytes| {
                members
                    .iter()
                    .enumerate()
                    .map(|(layer, _)| {
                        let mut rgb = Vec::with_capacity(w * h * 3);
                        let mut depth = Vec::with_capacity(w * h);
                        for y in 0..h {
                            let start = (layer * h + y) * row;
                            for px in bytes[start..start + 4 * w].chunks_exact(4) {
                                rgb.extend_from_slice(&px[..3]);
                            }
                            let ds = depth_base + start;
                            depth.extend(
                                bytes[ds..ds + 4 * w]
                                    .chunks_exact(4)
                                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                            );
                        }
                        CameraImage {
                            width: w as u32,
                            height: h as u32,
                            rgb,
                            depth,
                        }
                    })
                    .collect::<Vec<_>>()
            })?;
            for (img, &vi) in images.into_iter().zip(members) {
                out[vi] = Some(img);
            }
        }
        Ok(out
            .into_iter()
            .map(|o| o.expect("every view rendered"))
            .collect())
    }
}
