//! Watching unattended training from a browser: every robot's camera and gel pictures as they
//! happen, the goal each is chasing, and the training curves, served over HTTP by the training
//! process itself (`byfeel train … --watch 127.0.0.1:8090`, the fleet's `--watch`).
//!
//! A small page of byfeel's own over a std-only HTTP server, rather than Rerun's web viewer:
//! it costs no dependency (Rerun's viewer is ~400 crates), and what it shows is what a
//! researcher checks on a run from home, which needs no 3-D viewer.
//!
//! Training only hands over its latest pictures and numbers (a copy under a lock, a few KiB a
//! step); PNG encoding and everything else a page asks for happen on the server's threads,
//! and only while someone watches.

mod http;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// What a picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum View {
    /// The robot's camera.
    Camera,
    /// The robot's gel (tactile) picture.
    Gel,
    /// The goal the robot is chasing.
    Goal,
}

impl View {
    fn name(self) -> &'static str {
        match self {
            View::Camera => "camera",
            View::Gel => "gel",
            View::Goal => "goal",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [View::Camera, View::Gel, View::Goal]
            .into_iter()
            .find(|v| v.name() == name)
    }
}

/// One picture as last handed over: RGB, row-major, with a counter that grows on every update.
#[derive(Debug, Clone, Default)]
struct Picture {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    seq: u64,
}

/// A robot's latest pictures.
#[derive(Debug, Clone)]
struct Robot {
    /// The name it was added with, and the one shown (numbered when another has the same).
    base: String,
    name: String,
    pictures: BTreeMap<View, Picture>,
    /// When its last picture came.
    updated: Instant,
}

/// Everything the page shows, shared between training and the server.
#[derive(Default)]
struct Board {
    robots: Vec<Robot>,
    /// Each curve's (step, value) points, by name.
    curves: BTreeMap<String, Vec<(f64, f64)>>,
    /// A line about the run (its command, what it trains).
    title: String,
    seq: u64,
}

/// Curves keep at most this many points (older ones are thinned, every other one dropped).
const MAX_POINTS: usize = 2000;
/// Someone is watching if the page asked within this long.
const WATCHED_FOR: Duration = Duration::from_secs(5);

/// A running watch server and what it serves. Cheap to share: clone the `Arc`.
pub struct Watch {
    board: Mutex<Board>,
    addr: SocketAddr,
    started: Instant,
    /// Milliseconds after `started` at which a page last asked for something.
    last_asked_ms: AtomicU64,
}

impl Watch {
    /// Serves the watch page at `addr` (`HOST:PORT`; port 0 picks a free one) from threads of
    /// this process, until the process ends.
    pub fn serve(addr: &str) -> std::io::Result<Arc<Watch>> {
        let listener = std::net::TcpListener::bind(addr)?;
        let watch = Arc::new(Watch {
            board: Mutex::new(Board::default()),
            addr: listener.local_addr()?,
            started: Instant::now(),
            last_asked_ms: AtomicU64::new(u64::MAX),
        });
        http::spawn(listener, Arc::clone(&watch))?;
        Ok(watch)
    }

    /// Where the page is served.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The page's address as a browser wants it.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Sets the line shown at the top of the page.
    pub fn set_title(&self, title: &str) {
        self.lock().title = title.to_string();
    }

    /// Adds a robot to the page; returns its number for [`Watch::picture`]. Names stay apart
    /// on the page: a second robot called `name` is shown as `name (2)`, a third `name (3)`
    /// (a vector env's envs all carry their task's name).
    pub fn add_robot(&self, name: &str) -> usize {
        let mut b = self.lock();
        let same = b.robots.iter().filter(|r| r.base == name).count();
        let shown = match same {
            0 => name.to_string(),
            n => format!("{name} ({})", n + 1),
        };
        b.robots.push(Robot {
            base: name.to_string(),
            name: shown,
            pictures: BTreeMap::new(),
            updated: Instant::now(),
        });
        b.robots.len() - 1
    }

    /// Hands over robot `robot`'s latest `view` picture (`width × height` RGB). A picture of
    /// the wrong size, or an unknown robot, is ignored: watching never stops training.
    pub fn picture(&self, robot: usize, view: View, width: u32, height: u32, rgb: &[u8]) {
        if rgb.len() != (width as usize) * (height as usize) * 3 {
            return;
        }
        let mut b = self.lock();
        b.seq += 1;
        let seq = b.seq;
        let Some(r) = b.robots.get_mut(robot) else {
            return;
        };
        r.updated = Instant::now();
        let p = r.pictures.entry(view).or_default();
        p.width = width;
        p.height = height;
        p.rgb.clear();
        p.rgb.extend_from_slice(rgb);
        p.seq = seq;
    }

    /// Adds a point to the curve `name`. Non-finite values are skipped.
    pub fn point(&self, name: &str, step: f64, value: f64) {
        if !value.is_finite() || !step.is_finite() {
            return;
        }
        let mut b = self.lock();
        let curve = b.curves.entry(name.to_string()).or_default();
        curve.push((step, value));
        if curve.len() > MAX_POINTS {
            let thinned: Vec<(f64, f64)> = curve.iter().copied().step_by(2).collect();
            *curve = thinned;
        }
    }

    /// Whether a page asked for something lately: worth drawing extra pictures for.
    pub fn watched(&self) -> bool {
        let last = self.last_asked_ms.load(Ordering::Relaxed);
        let now = self.started.elapsed().as_millis() as u64;
        last != u64::MAX && now.saturating_sub(last) < WATCHED_FOR.as_millis() as u64
    }

    fn asked(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_asked_ms.store(now, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        // A panic while holding the lock leaves plain data: keep serving it.
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }
}

static CURRENT: OnceLock<Arc<Watch>> = OnceLock::new();

/// Makes `watch` this process's watch, which environments and trainers hand their pictures
/// and curves to (like a logger). The first one installed stays; returns whether this was it.
pub fn install(watch: Arc<Watch>) -> bool {
    CURRENT.set(watch).is_ok()
}

/// This process's watch, if one was installed.
pub fn current() -> Option<&'static Arc<Watch>> {
    CURRENT.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_of_the_same_name_are_told_apart_on_the_page() {
        let watch = Watch::serve("127.0.0.1:0").unwrap();
        for name in ["door-open", "door-open", "cup-push", "door-open"] {
            watch.add_robot(name);
        }
        let names: Vec<String> = watch.lock().robots.iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, ["door-open", "door-open (2)", "cup-push", "door-open (3)"]);
    }
}
