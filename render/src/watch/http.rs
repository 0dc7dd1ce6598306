//! The watch page's HTTP server: `GET` only, one short-lived thread per connection, every
//! answer complete with its length and then the connection closed. Anything else gets a
//! 400 or 404 and training never notices.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use super::{View, Watch};

const PAGE: &str = include_str!("page.html");
/// The longest request line read; a longer one is refused.
const MAX_LINE: usize = 2048;
/// At most this many connections are served at once; more are closed at once.
const MAX_CLIENTS: usize = 16;

pub(super) fn spawn(listener: TcpListener, watch: Arc<Watch>) -> std::io::Result<()> {
    let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("byfeel-watch".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                use std::sync::atomic::Ordering::SeqCst;
                if busy.fetch_add(1, SeqCst) >= MAX_CLIENTS {
                    busy.fetch_sub(1, SeqCst);
                    continue;
                }
                let (watch, done) = (Arc::clone(&watch), Arc::clone(&busy));
                let spawned = std::thread::Builder::new()
                    .name("byfeel-watch-client".into())
                    .spawn(move || {
                        let _ = serve(stream, &watch);
                        done.fetch_sub(1, SeqCst);
                    });
                if spawned.is_err() {
                    busy.fetch_sub(1, SeqCst);
                }
            }
        })?;
    Ok(())
}

/// Answers one request on `stream`.
fn serve(stream: TcpStream, watch: &Watch) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    let read = (&mut reader).take(MAX_LINE as u64).read_line(&mut line);
    let mut out = stream;
    let Ok(n) = read else {
        return respond(&mut out, 400, "text/plain", b"not a request line\n");
    };
    if n == 0 || !line.ends_with('\n') {
        return respond(&mut out, 400, "text/plain", b"not a request line\n");
    }
    // The headers are read and dropped: nothing in them changes the answer.
    let mut header = String::new();
    for _ in 0..100 {
        header.clear();
        match (&mut reader).take(MAX_LINE as u64).read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next(), parts.next());
    match (method, target) {
        (Some("GET"), Some(target)) => {
            watch.asked();
            let path = target.split('?').next().unwrap_or("/");
            route(&mut out, watch, path)
        }
        (Some(_), Some(_)) => respond(&mut out, 405, "text/plain", b"only GET\n"),
        _ => respond(&mut out, 400, "text/plain", b"not a request line\n"),
    }
}

fn route(out: &mut TcpStream, watch: &Watch, path: &str) -> std::io::Result<()> {
    match path {
        "/" | "/index.html" => respond(out, 200, "text/html; charset=utf-8", PAGE.as_bytes()),
        "/state.json" => respond(out, 200, "application/json", state_json(watch).as_bytes()),
        "/curves.json" => respond(out, 200, "application/json", curves_json(watch).as_bytes()),
        _ => match picture_png(watch, path) {
            Some(png) => respond(out, 200, "image/png", &png),
            None => respond(out, 404, "text/plain", b"no such page or picture\n"),
        },
    }
}

/// `/picture/<robot>/<camera|gel|goal>.png`, encoded from a copy taken under the lock.
fn picture_png(watch: &Watch, path: &str) -> Option<Vec<u8>> {
    let rest = path.strip_prefix("/picture/")?;
    let (robot, file) = rest.split_once('/')?;
    let view = View::from_name(file.strip_suffix(".png")?)?;
    let robot: usize = robot.parse().ok()?;
    let picture = watch.lock().robots.get(robot)?.pictures.get(&view)?.clone();
    crate::image::encode_png(picture.width, picture.height, &picture.rgb).ok()
}

/// The robots, their pictures' counters (the page reloads a picture when its counter moves),
/// the seconds since each robot's last picture, and the curves' names.
fn state_json(watch: &Watch) -> String {
    let b = watch.lock();
    let mut s = String::new();
    let _ = write!(s, "{{\"title\":{},\"robots\":[", json_string(&b.title));
    for (i, r) in b.robots.iter().enumerate() {
        let views: Vec<String> = r
            .pictures
            .iter()
            .map(|(v, p)| format!("\"{}\":{}", v.name(), p.seq))
            .collect();
        let _ = write!(
            s,
            "{}{{\"name\":{},\"pictures\":{{{}}},\"age_s\":{:.1}}}",
            if i > 0 { "," } else { "" },
            json_string(&r.name),
            views.join(","),
            r.updated.elapsed().as_secs_f64()
        );
    }
    let names: Vec<String> = b.curves.keys().map(|k| json_string(k)).collect();
    let _ = write!(s, "],\"curves\":[{}]}}", names.join(","));
    s
}

/// Every curve's points, `{"name": [[step, value], ...]}`.
fn curves_json(watch: &Watch) -> String {
    let b = watch.lock();
    let mut s = String::from("{");
    for (i, (name, points)) in b.curves.iter().enumerate() {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
        let _ = write!(
            s,
            "{}{}:[{}]",
            if i > 0 { "," } else { "" },
            json_string(name),
            pts.join(",")
        );
    }
    s.push('}');
    s
}

fn json_string(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn respond(out: &mut TcpStream, status: u16, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}
