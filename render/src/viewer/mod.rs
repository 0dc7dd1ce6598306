//! The viewer window: watch a scene live, orbit and zoom with the mouse, drive the hand with
//! the keyboard, and see the task camera and the gel as insets.
//!
//! | input | does |
//! |---|---|
//! | left drag / wheel | orbit / zoom |
//! | W S / A D / E Q | hand forward-back / left-right / up-down |
//! | Space | pause or resume |
//! | N | one control step while paused |
//! | R | reset the scene |
//! | Esc | quit |
//!
//! The frame rate, simulated time and the scene's readout are in the window title.
//! Nothing here is linked into headless paths: the window opens only when [`run`] is called.

mod ask;
mod compositor;
mod orbit;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use glam::Vec3;
use winit::application::ApplicationHandler;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::keyboard::{KeyCode, PhysicalKey};
use winit::window::{Window, WindowId};

use crate::{
    Camera, GelState, Gpu, GpuOptions, RenderError, Renderer, SceneGeometry, TactileConfig,
};
use compositor::{Compositor, Quad, upload_rgb};
pub use ask::AskWindow;
pub use orbit::Orbit;

/// What the viewer shows and drives: implemented by the application over its robot.
pub trait ViewerModel {
    /// Name of the scene, for the title.
    fn title(&self) -> String;
    fn geometry(&self) -> SceneGeometry;
    /// The task's camera, drawn as an inset.
    fn task_camera(&self) -> Option<Camera>;
    /// The gel, drawn as an inset.
    fn gel(&self) -> Option<GelState>;
    /// Seconds of simulated time per control step.
    fn control_dt(&self) -> f64;
    /// Runs one control step moving the hand by `teleop` (each axis -1, 0 or 1 times the
    /// robot's largest step).
    fn step(&mut self, teleop: Vec3) -> Result<(), String>;
    /// Puts the scene back to its start.
    fn reset(&mut self) -> Result<(), String>;
    /// A short readout (door angle, die face, ...) for the title.
    fn status(&self) -> String;
}

/// How the window runs.
#[derive(Clone, Debug)]
pub struct ViewerOptions {
    pub width: u32,
    pub height: u32,
    /// Close after this many frames (for tests and recordings).
    pub frames: Option<u64>,
    /// Save the last frame as a PNG when closing.
    pub screenshot: Option<PathBuf>,
    pub start_paused: bool,
    pub gpu: GpuOptions,
}

impl Default for ViewerOptions {
    fn default() -> Self {
        Self {
            width: 1024,
            height: 720,
            frames: None,
            screenshot: None,
            start_paused: false,
            gpu: GpuOptions::from_env(),
        }
    }
}

/// What happened while the window was open.
#[derive(Clone, Debug, Default)]
pub struct ViewerReport {
    pub frames: u64,
    pub seconds: f64,
    pub control_steps: u64,
    pub adapter: String,
}

struct Display {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    renderer: Renderer,
    compositor: Compositor,
}

struct App {
    model: Box<dyn ViewerModel>,
    options: ViewerOptions,
    display: Option<Display>,
    orbit: Orbit,
    keys: HashSet<KeyCode>,
    dragging: bool,
    cursor: Option<(f64, f64)>,
    paused: bool,
    step_once: bool,
    behind: f64,
    last: Instant,
    started: Instant,
    fps: (u64, Instant, f64),
    report: ViewerReport,
    error: Option<RenderError>,
}

/// Opens the window and runs until it is closed (or `options.frames` have been shown).
pub fn run(
    model: Box<dyn ViewerModel>,
    options: ViewerOptions,
) -> Result<ViewerReport, RenderError> {
    let event_loop = EventLoop::new().map_err(|e| {
        RenderError::Device(format!(
            "cannot open a window ({e}); the viewer needs a display: set DISPLAY / WAYLAND_DISPLAY, \
             or run it under a virtual one with `xvfb-run byfeel view ...`"
        ))
    })?;
    let now = Instant::now();
    let mut app = App {
        model,
        paused: options.start_paused,
        options,
        display: None,
        orbit: Orbit::default(),
        keys: HashSet::new(),
        dragging: false,
        cursor: None,
        step_once: false,
        behind: 0.0,
        last: now,
        started: now,
        fps: (0, now, 0.0),
        report: ViewerReport::default(),
        error: None,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| RenderError::Device(format!("window event loop failed: {e}")))?;
    if let Some(e) = app.error {
        return Err(e);
    }
    app.report.seconds = app.started.elapsed().as_secs_f64();
    Ok(app.report)
}

impl App {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RenderError> {
        let attributes = Window::default_attributes()
            .with_title(format!("byfeel — {}", self.model.title()))
            .with_inner_size(winit::dpi::PhysicalSize::new(
                self.options.width,
                self.options.height,
            ));
        let (window, surface, gpu, config) =
            open_window(event_loop, attributes, &self.options.gpu)?;
        let format = config.format;
        self.report.adapter = gpu.describe();
        let compositor = Compositor::new(&gpu.device, format);
        let renderer = Renderer::on_gpu(
            Arc::new(gpu),
            self.options.gpu.clone(),
            TactileConfig::default(),
        );
        self.display = Some(Display {
            window,
            surface,
            config,
            renderer,
            compositor,
        });
        Ok(())
    }

    fn teleop(&self) -> Vec3 {
        let axis = |plus, minus| {
            (self.keys.contains(&plus) as i32 - self.keys.contains(&minus) as i32) as f32
        };
        Vec3::new(
            axis(KeyCode::KeyW, KeyCode::KeyS),
            axis(KeyCode::KeyA, KeyCode::KeyD),
            axis(KeyCode::KeyE, KeyCode::KeyQ),
        )
    }

    /// Advances the simulation in real time (at most a few steps per frame if drawing is slow).
    fn advance(&mut self) -> Result<(), RenderError> {
        let now = Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        let control_dt = self.model.control_dt().max(1e-3);
        let mut steps = 0;
        if self.paused {
            self.behind = 0.0;
            if self.step_once {
                steps = 1;
                self.step_once = false;
            }
        } else {
            self.behind = (self.behind + dt).min(4.0 * control_dt);
            while self.behind >= control_dt && steps < 4 {
                self.behind -= control_dt;
                steps += 1;
            }
        }
        let teleop = self.teleop();
        for _ in 0..steps {
            self.model.step(teleop).map_err(RenderError::BadRequest)?;
            self.report.control_steps += 1;
        }
        Ok(())
    }

    fn redraw(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RenderError> {
        self.advance()?;
        let Some(d) = self.display.as_mut() else {
            return Ok(());
        };
        let (w, h) = (d.config.width, d.config.height);
        let geometry = self.model.geometry();
        let main = d
            .renderer
            .render_camera_to_texture(&geometry, &self.orbit.camera(w, h))?;
        let mut insets = Vec::new();
        let inset_h = (h as f32 * 0.28).max(96.0);
        let mut x = 8.0;
        if let Some(cam) = self.model.task_camera() {
            let img = d.renderer.render_cameras(&[(&geometry, &cam)])?.remove(0);
            insets.push((img.width, img.height, img.rgb));
        }
        if let Some(gel) = self.model.gel() {
            let img = d.renderer.render_tactile(&[(&geometry, gel)])?.remove(0);
            insets.push((img.width, img.height, img.rgb));
        }
        let gpu = d.renderer.gpu().clone();
        let views: Vec<(wgpu::TextureView, [f32; 4])> = insets
            .iter()
            .map(|(iw, ih, rgb)| {
                let view = upload_rgb(&gpu.device, &gpu.queue, *iw, *ih, rgb);
                let width = inset_h * *iw as f32 / *ih as f32;
                let to_clip =
                    |px: f32, py: f32| [px / w as f32 * 2.0 - 1.0, 1.0 - py / h as f32 * 2.0];
                let [x0, y1] = to_clip(x, 8.0);
                let [x1, y0] = to_clip(x + width, 8.0 + inset_h);
                x += width + 8.0;
                (view, [x0, y0, x1, y1])
            })
            .collect();
        let mut quads = vec![Quad {
            view: &main,
            rect: [-1.0, -1.0, 1.0, 1.0],
            pixelated: false,
        }];
        quads.extend(views.iter().map(|(v, r)| Quad {
            view: v,
            rect: *r,
            pixelated: true,
        }));
        // The viewer redraws continuously: a frame missed now is drawn next time round.
        let NextFrame::Draw(frame) = next_frame(&d.surface, &gpu.device, &d.config)? else {
            return Ok(());
        };
        let target = frame.texture.create_view(&Default::default());
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        d.compositor
            .draw(&gpu.device, &mut encoder, &target, &quads);
        let last_frame = self
            .options
            .frames
            .is_some_and(|n| self.report.frames + 1 >= n);
        let shot = match (&self.options.screenshot, last_frame) {
            (Some(path), true) => Some((
                path.clone(),
                screenshot_buffer(&gpu, &mut encoder, &frame.texture, d)?,
            )),
            _ => None,
        };
        gpu.queue.submit([encoder.finish()]);
        if let Some((path, (buffer, row))) = shot {
            save_screenshot(&gpu, &buffer, row, w, h, d.config.format, &path)?;
        }
        d.window.pre_present_notify();
        gpu.queue.present(frame);
        self.report.frames += 1;
        self.update_title();
        if last_frame {
            event_loop.exit();
        }
        Ok(())
    }

    fn update_title(&mut self) {
        self.fps.0 += 1;
        let elapsed = self.fps.1.elapsed().as_secs_f64();
        if elapsed >= 0.5 {
            self.fps = (0, Instant::now(), self.fps.0 as f64 / elapsed);
        } else if self.report.frames > 1 {
            return;
        }
        if let Some(d) = &self.display {
            d.window.set_title(&format!(
                "byfeel — {} | {:.0} fps | {}{} | WASD/EQ move, Space pause, N step, R reset",
                self.model.title(),
                self.fps.2,
                self.model.status(),
                if self.paused { " | paused" } else { "" },
            ));
        }
    }
}

/// A window with a surface to draw into, and the GPU that draws it.
fn open_window(
    event_loop: &ActiveEventLoop,
    attributes: winit::window::WindowAttributes,
    options: &GpuOptions,
) -> Result<(Arc<Window>, wgpu::Surface<'static>, Gpu, wgpu::SurfaceConfiguration), RenderError> {
    let window = Arc::new(
        event_loop
            .create_window(attributes)
            .map_err(|e| RenderError::Device(format!("cannot create the window: {e}")))?,
    );
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
    desc.backends = wgpu::Backends::VULKAN | wgpu::Backends::GL;
    let instance = wgpu::Instance::new(desc);
    let surface = instance
        .create_surface(window.clone())
        .map_err(|e| RenderError::Device(format!("cannot draw into the window: {e}")))?;
    let gpu = Gpu::with_instance(instance, options, Some(&surface))?;
    let size = window.inner_size();
    let caps = surface.get_capabilities(&gpu.adapter);
    let format = caps
        .formats
        .iter()
        .copied()
        .find(|f| f.is_srgb())
        .or(caps.formats.first().copied())
        .ok_or_else(|| RenderError::Device("the window offers no pixel format".into()))?;
    let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
    if caps.usages.contains(wgpu::TextureUsages::COPY_SRC) {
        // Screenshots read the very frame that was presented.
        usage |= wgpu::TextureUsages::COPY_SRC;
    }
    let config = wgpu::SurfaceConfiguration {
        usage,
        format,
        color_space: Default::default(),
        width: size.width.max(1),
        height: size.height.max(1),
        present_mode: wgpu::PresentMode::AutoVsync,
        desired_maximum_frame_latency: 2,
        alpha_mode: caps.alpha_modes[0],
        view_formats: vec![],
    };
    surface.configure(&gpu.device, &config);
    Ok((window, surface, gpu, config))
}

/// What a window's surface offers to draw on.
pub(super) enum NextFrame {
    Draw(wgpu::SurfaceTexture),
    /// The surface was lost or outdated and is configured afresh: nothing to draw this time.
    Reconfigured,
    /// No frame now (timed out, or the window is hidden).
    Skip,
}

/// The surface's next frame, configuring it afresh when it was lost or outdated.
pub(super) fn next_frame(
    surface: &wgpu::Surface<'static>,
    device: &wgpu::Device,
    config: &wgpu::SurfaceConfiguration,
) -> Result<NextFrame, RenderError> {
    match surface.get_current_texture() {
        wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => {
            Ok(NextFrame::Draw(f))
        }
        wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
            surface.configure(device, config);
            Ok(NextFrame::Reconfigured)
        }
        wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
            Ok(NextFrame::Skip)
        }
        wgpu::CurrentSurfaceTexture::Validation => Err(RenderError::Device(
            "the window surface refused a frame".into(),
        )),
    }
}

/// Fits the surface to the window's new size.
fn resize(
    surface: &wgpu::Surface<'static>,
    device: &wgpu::Device,
    config: &mut wgpu::SurfaceConfiguration,
    size: winit::dpi::PhysicalSize<u32>,
) {
    config.width = size.width.max(1);
    config.height = size.height.max(1);
    surface.configure(device, config);
}

/// Copies the frame into a buffer (when the window lets us read it) so it can be saved.
fn screenshot_buffer(
    gpu: &Gpu,
    encoder: &mut wgpu::CommandEncoder,
    texture: &wgpu::Texture,
    d: &Display,
) -> Result<(wgpu::Buffer, u32), RenderError> {
    if !d.config.usage.contains(wgpu::TextureUsages::COPY_SRC) {
        return Err(RenderError::Device(
            "this window cannot be read back for a screenshot".into(),
        ));
    }
    let row = (4 * d.config.width).div_ceil(256) * 256;
    let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("byfeel screenshot"),
        size: (row * d.config.height) as u64,
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: None,
            },
        },
        texture.size(),
    );
    Ok((buffer, row))
}

fn save_screenshot(
    gpu: &Gpu,
    buffer: &wgpu::Buffer,
    row: u32,
    w: u32,
    h: u32,
    format: wgpu::TextureFormat,
    path: &std::path::Path,
) -> Result<(), RenderError> {
    let bgra = matches!(
        format,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
    );
    let rgb = gpu.read_buffer(buffer, |bytes| {
        let mut rgb = Vec::with_capacity((w * h * 3) as usize);
        for y in 0..h as usize {
            for p in bytes[y * row as usize..][..4 * w as usize].chunks_exact(4) {
                if bgra {
                    rgb.extend_from_slice(&[p[2], p[1], p[0]]);
                } else {
                    rgb.extend_from_slice(&p[..3]);
                }
            }
        }
        rgb
    })?;
    crate::image::save_rgb_png(path, w, h, &rgb)
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.display.is_none()
            && let Err(e) = self.open(event_loop)
        {
            self.error = Some(e);
            event_loop.exit();
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match event {
            WindowEvent::CloseRequested => event_loop.exit(),
            WindowEvent::Resized(size) => {
                if let Some(d) = self.display.as_mut() {
                    resize(&d.surface, &d.renderer.gpu().device, &mut d.config, size);
                }
            }
            WindowEvent::KeyboardInput { event, .. } => {
                let PhysicalKey::Code(code) = event.physical_key else {
                    return;
                };
                if event.state == ElementState::Released {
                    self.keys.remove(&code);
                    return;
                }
                self.keys.insert(code);
                if event.repeat {
                    return;
                }
                match code {
                    KeyCode::Escape => event_loop.exit(),
                    KeyCode::Space => self.paused = !self.paused,
                    KeyCode::KeyN => self.step_once = true,
                    KeyCode::KeyR => {
                        if let Err(e) = self.model.reset() {
                            self.error = Some(RenderError::BadRequest(e));
                            event_loop.exit();
                        }
                    }
                    _ => {}
                }
            }
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } => {
                self.dragging = state == ElementState::Pressed;
            }
            WindowEvent::CursorMoved { position, .. } => {
                if let (true, Some((x, y))) = (self.dragging, self.cursor) {
                    self.orbit
                        .drag((position.x - x) as f32, (position.y - y) as f32);
                }
                self.cursor = Some((position.x, position.y));
            }
            WindowEvent::MouseWheel { delta, .. } => {
                let clicks = match delta {
                    MouseScrollDelta::LineDelta(_, y) => y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / 40.0,
                };
                self.orbit.zoom(clicks);
            }
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.redraw(event_loop) {
                    self.error = Some(e);
                    event_loop.exit();
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, _event_loop: &ActiveEventLoop) {
        if let Some(d) = &self.display {
            d.window.request_redraw();
        }
    }
}
