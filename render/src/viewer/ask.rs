//! A window that asks a person about one picture at a time: the picture fills the window with
//! its pixels kept sharp, the title asks the question, Y answers yes and N no. Each question
//! opens a window on the same event loop, so a training run can ask as often as it needs.

use std::sync::Arc;

use winit::application::ApplicationHandler;
use winit::event::{ElementState, WindowEvent};
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::keyboard::{KeyCode, PhysicalKey};
use winit::platform::run_on_demand::EventLoopExtRunOnDemand;
use winit::window::{Window, WindowId};

use super::compositor::{Compositor, Quad, upload_rgb};
use super::{NextFrame, next_frame, open_window, resize};
use crate::{Gpu, GpuOptions, RenderError};

/// Asks yes-or-no questions about pictures in a window (see the module docs).
pub struct AskWindow {
    event_loop: EventLoop<()>,
    gpu: GpuOptions,
    side: u32,
}

impl AskWindow {
    /// Connects to the display; fails with advice when there is none.
    pub fn new(gpu: GpuOptions) -> Result<Self, RenderError> {
        let mut builder = EventLoop::builder();
        // Asked from whatever thread trains (a test's, a Python caller's), not only main's.
        #[cfg(any(target_os = "linux", target_os = "freebsd"))]
        {
            winit::platform::x11::EventLoopBuilderExtX11::with_any_thread(&mut builder, true);
            winit::platform::wayland::EventLoopBuilderExtWayland::with_any_thread(
                &mut builder,
                true,
            );
        }
        let event_loop = builder.build().map_err(|e| {
            RenderError::Device(format!(
                "cannot open a window to ask in ({e}): set DISPLAY / WAYLAND_DISPLAY, or ask \
                 at the terminal instead"
            ))
        })?;
        Ok(Self {
            event_loop,
            gpu,
            side: 480,
        })
    }

    /// Shows the `width` × `height` RGB picture `rgb` with `question` as the window's title and
    /// waits for Y (true) or N (false). Closing the window without answering is an error.
    pub fn ask(
        &mut self,
        question: &str,
        width: u32,
        height: u32,
        rgb: &[u8],
    ) -> Result<bool, RenderError> {
        if rgb.len() != (width * height * 3) as usize || width == 0 || height == 0 {
            return Err(RenderError::BadRequest(format!(
                "a {width} × {height} RGB picture has {} bytes, not {}",
                width * height * 3,
                rgb.len()
            )));
        }
        let mut app = AskApp {
            title: format!("byfeel asks: {question} — Y yes, N no"),
            picture: (width, height, rgb.to_vec()),
            size: (self.side, self.side * height / width),
            gpu: self.gpu.clone(),
            display: None,
            answer: None,
            error: None,
        };
        self.event_loop
            .run_app_on_demand(&mut app)
            .map_err(|e| RenderError::Device(format!("window event loop failed: {e}")))?;
        if let Some(e) = app.error {
            return Err(e);
        }
        app.answer.ok_or_else(|| {
            RenderError::BadRequest("the window was closed without an answer (Y or N)".into())
        })
    }
}

struct Shown {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    gpu: Gpu,
    compositor: Compositor,
    picture: wgpu::TextureView,
}

struct AskApp {
    title: String,
    picture: (u32, u32, Vec<u8>),
    size: (u32, u32),
    gpu: GpuOptions,
    display: Option<Shown>,
    answer: Option<bool>,
    error: Option<RenderError>,
}

impl AskApp {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<(), RenderError> {
        let attributes = Window::default_attributes()
            .with_title(self.title.clone())
            .with_inner_size(winit::dpi::PhysicalSize::new(self.size.0, self.size.1));
        let (window, surface, gpu, config) = open_window(event_loop, attributes, &self.gpu)?;
        let compositor = Compositor::new(&gpu.device, config.format);
        let (w, h, rgb) = &self.picture;
        let picture = upload_rgb(&gpu.device, &gpu.queue, *w, *h, rgb);
        window.request_redraw();
        self.display = Some(Shown {
            window,
            surface,
            config,
            gpu,
            compositor,
            picture,
        });
        Ok(())
    }

    fn redraw(&mut self) -> Result<(), RenderError> {
        let Some(d) = self.display.as_mut() else {
            return Ok(());
        };
        // The picture is drawn only when asked for: after a reconfigure, ask again.
        let frame = match next_frame(&d.surface, &d.gpu.device, &d.config)? {
            NextFrame::Draw(f) => f,
            NextFrame::Reconfigured => {
                d.window.request_redraw();
                return Ok(());
            }
            NextFrame::Skip => return Ok(()),
        };
        let target = frame.texture.create_view(&Default::default());
        let mut encoder = d.gpu.device.create_command_encoder(&Default::default());
        let quad = Quad {
            view: &d.picture,
            rect: [-1.0, -1.0, 1.0, 1.0],
            pixelated: true,
        };
        d.compositor
            .draw(&d.gpu.device, &mut encoder, &target, &[quad]);
        d.gpu.queue.submit([encoder.finish()]);
        d.window.pre_present_notify();
        d.gpu.queue.present(frame);
        Ok(())
    }
}

impl ApplicationHandler for AskApp {
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
                    resize(&d.surface, &d.gpu.device, &mut d.config, size);
                    d.window.request_redraw();
                }
            }
            WindowEvent::KeyboardInput { event, .. } if event.state == ElementState::Pressed => {
                let answer = match event.physical_key {
                    PhysicalKey::Code(KeyCode::KeyY) => true,
                    PhysicalKey::Code(KeyCode::KeyN) => false,
                    _ => return,
                };
                self.answer = Some(answer);
                // The window goes with the app; hiding it now answers the eye at once.
                if let Some(d) = &self.display {
                    d.window.set_visible(false);
                }
                event_loop.exit();
            }
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.redraw() {
                    self.error = Some(e);
                    event_loop.exit();
                }
            }
            _ => {}
        }
    }
}
