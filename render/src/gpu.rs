//! The graphics device: adapter choice (automatic, with an override), error capture, and the
//! lost-device flag that lets long runs recreate it instead of crashing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::RenderError;

/// Kinds of adapter (discrete GPU, integrated GPU, CPU ...), as wgpu reports them.
pub use wgpu::DeviceType;

/// Which adapter to use. `Default` reads the environment:
/// - `BYFEEL_GPU_BACKEND` = `vulkan` | `gl` | `auto` (default `auto`: Vulkan, then GL);
/// - `BYFEEL_ADAPTER` = `gpu` | `cpu` | a piece of the adapter's name (e.g. `llvmpipe`, `NVIDIA`).
///
/// Without an override a hardware GPU is preferred over a software one (lavapipe/llvmpipe).
#[derive(Debug, Clone, Default)]
pub struct GpuOptions {
    pub backend: Option<String>,
    pub adapter: Option<String>,
}

impl GpuOptions {
    /// The options named by `BYFEEL_GPU_BACKEND` and `BYFEEL_ADAPTER`.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            backend: var("BYFEEL_GPU_BACKEND"),
            adapter: var("BYFEEL_ADAPTER"),
        }
    }

    fn backends(&self) -> Result<wgpu::Backends, RenderError> {
        match self
            .backend
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("auto") => Ok(wgpu::Backends::VULKAN | wgpu::Backends::GL),
            Some("vulkan") | Some("vk") => Ok(wgpu::Backends::VULKAN),
            Some("gl") | Some("gles") | Some("opengl") => Ok(wgpu::Backends::GL),
            Some(other) => Err(RenderError::BadOverride(format!(
                "BYFEEL_GPU_BACKEND={other} is not a backend; use vulkan, gl or auto"
            ))),
        }
    }
}

/// Mesa's Vulkan device-selection layer asks the Wayland compositor which GPU it draws on;
/// without `XDG_RUNTIME_DIR` there is no compositor to ask, and libwayland prints an error
/// saying so on every start. byfeel ranks the adapters itself, so there the layer is turned
/// off (`NODEVICE_SELECT=1`, unless the user set it either way).
fn quiet_headless_probe() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("XDG_RUNTIME_DIR").is_none() && std::env::var_os("NODEVICE_SELECT").is_none() {
            // SAFETY: called once, while the process's first GPU is opened, which is normally
            // before byfeel has started other threads; another thread reading the environment
            // at that moment is the remaining risk, taken for a quiet headless start.
            unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
        }
    });
}

/// A device, its queue and what it is, shared by every renderer of a process.
pub struct Gpu {
    pub instance: wgpu::Instance,
    pub adapter: wgpu::Adapter,
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
    lost: Arc<AtomicBool>,
    errors: Arc<Mutex<Vec<String>>>,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gpu({})", self.describe())
    }
}

fn rank(t: wgpu::DeviceType) -> u8 {
    match t {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Cpu => 3,
        wgpu::DeviceType::Other => 4,
    }
}

impl Gpu {
    /// Opens the adapter picked by `options` (see [`GpuOptions`]).
    pub fn new(options: &GpuOptions) -> Result<Self, RenderError> {
        let backends = options.backends()?;
        // GL is started only when Vulkan has no adapter to offer: starting it (EGL) looks for
        // a Wayland display, which on a headless machine prints an error to stderr.
        if backends.contains(wgpu::Backends::VULKAN) && backends != wgpu::Backends::VULKAN {
            if let Ok(gpu) = Self::on(wgpu::Backends::VULKAN, options) {
                return Ok(gpu);
            }
        }
        Self::on(backends, options)
    }

    fn on(backends: wgpu::Backends, options: &GpuOptions) -> Result<Self, RenderError> {
        quiet_headless_probe();
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = backends;
        Self::with_instance(wgpu::Instance::new(desc), options, None)
    }

    /// Opens an adapter on `instance`, able to draw to `surface` when one is given (the viewer).
    pub fn with_instance(
        instance: wgpu::Instance,
        options: &GpuOptions,
        surface: Option<&wgpu::Surface<'_>>,
    ) -> Result<Self, RenderError> {
        let backends = options.backends()?;
        let mut adapters = pollster::block_on(instance.enumerate_adapters(backends));
        if let Some(s) = surface {
            adapters.retain(|a| a.is_surface_supported(s));
        }
        let names: Vec<String> = adapters
            .iter()
            .map(|a| {
                let i = a.get_info();
                format!("{} ({:?}, {:?})", i.name, i.backend, i.device_type)
            })
            .collect();
        if let Some(want) = options.adapter.as_deref() {
            let w = want.to_ascii_lowercase();
            adapters.retain(|a| {
                let i = a.get_info();
                match w.as_str() {
                    "gpu" => matches!(
                        i.device_type,
                        wgpu::DeviceType::DiscreteGpu | wgpu::DeviceType::IntegratedGpu
                    ),
                    "cpu" => i.device_type == wgpu::DeviceType::Cpu,
                    _ => i.name.to_ascii_lowercase().contains(&w),
                }
            });
            if adapters.is_empty() {
                return Err(RenderError::BadOverride(format!(
                    "BYFEEL_ADAPTER={want} matches no adapter; found: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                )));
            }
        }
        // Camera and gel depth are R32Float render targets, which some GL ES drivers (Mesa's
        // llvmpipe among them) do not allow; such an adapter would fail on the first picture
        // with a validation error, so it is passed over here and named if nothing else is left.
        let (usable, unusable): (Vec<_>, Vec<_>) = adapters.into_iter().partition(|a| {
            a.get_texture_format_features(wgpu::TextureFormat::R32Float)
                .allowed_usages
                .contains(wgpu::TextureUsages::RENDER_ATTACHMENT)
        });
        let mut adapters = usable;
        if adapters.is_empty() && !unusable.is_empty() {
            let refused: Vec<String> = unusable
                .iter()
                .map(|a| {
                    let i = a.get_info();
                    format!("{} ({:?})", i.name, i.backend)
                })
                .collect();
            return Err(RenderError::NoAdapter {
                tried: format!("{} cannot render R32Float depth images", refused.join(", ")),
            });
        }
        // Vulkan before GL at equal rank: it has compute and depth copies everywhere.
        adapters.sort_by_key(|a| {
            let i = a.get_info();
            (rank(i.device_type), i.backend != wgpu::Backend::Vulkan)
        });
        let Some(adapter) = adapters.into_iter().next() else {
            return Err(RenderError::NoAdapter {
                tried: format!("backends tried: {backends:?}"),
            });
        };
        let info = adapter.get_info();
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("byfeel"),
            required_features: wgpu::Features::empty(),
            required_limits: limits,
            ..Default::default()
        }))
        .map_err(|e| RenderError::Device(format!("{} refused a device: {e}", info.name)))?;
        let lost = Arc::new(AtomicBool::new(false));
        let errors = Arc::new(Mutex::new(Vec::new()));
        {
            let lost = lost.clone();
            device
                .set_device_lost_callback(move |_reason, _msg| lost.store(true, Ordering::SeqCst));
        }
        {
            // Keep validation errors as values instead of wgpu's default panic, so a bad request
            // comes back as an error the caller can report.
            let errors = errors.clone();
            device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                if let Ok(mut v) = errors.lock() {
                    v.push(e.to_string());
                }
            }));
        }
        Ok(Self {
            instance,
            adapter,
            device,
            queue,
            info,
            lost,
            errors,
        })
    }

    /// "name (backend, type)" for logs and benchmark reports.
    pub fn describe(&self) -> String {
        format!(
            "{} ({:?}, {:?})",
            self.info.name, self.info.backend, self.info.device_type
        )
    }

    /// True once the driver has reported the device lost; every later submission fails.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Errors the device reported since the last call.
    pub fn take_errors(&self) -> Vec<String> {
        self.errors
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    /// Waits for submitted work and turns a device problem into an error.
    pub fn wait(&self) -> Result<(), RenderError> {
        let polled = self.device.poll(wgpu::PollType::Wait {
            submission_index: None,
            timeout: None,
        });
        if self.is_lost() {
            return Err(RenderError::DeviceLost(
                "the driver reported the device lost".into(),
            ));
        }
        if let Err(e) = polled {
            return Err(RenderError::Device(e.to_string()));
        }
        let errors = self.take_errors();
        if !errors.is_empty() {
            return Err(RenderError::Device(errors.join("; ")));
        }
        Ok(())
    }

    /// Maps `buffer` for reading after the submitted work finished, and hands its bytes to `read`.
    pub fn read_buffer<T>(
        &self,
        buffer: &wgpu::Buffer,
        read: impl FnOnce(&[u8]) -> T,
    ) -> Result<T, RenderError> {
        let slice = buffer.slice(..);
        let done = Arc::new(Mutex::new(None));
        {
            let done = done.clone();
            slice.map_async(wgpu::MapMode::Read, move |r| {
                *done.lock().unwrap() = Some(r);
            });
        }
        self.wait()?;
        match done.lock().unwrap().take() {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(RenderError::Device(format!("reading back an image: {e}"))),
            None => {
                return Err(RenderError::Device(
                    "reading back an image never finished".into(),
                ));
            }
        }
        let view = slice
            .get_mapped_range()
            .map_err(|e| RenderError::Device(format!("reading back an image: {e:?}")))?;
        let out = read(&view);
        drop(view);
        buffer.unmap();
        Ok(out)
    }
}
