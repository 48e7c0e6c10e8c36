//! Plugin libraries in worker processes: the host side (`Worker`, started by
//! [`Plugin::spawn`](crate::Plugin::spawn)) and the worker side ([`serve_worker`]).
//!
//! A worker is a program the caller names (the `zat` binary re-executed with a hidden
//! subcommand that calls [`serve_worker`]); the host library cannot know that binary by itself.
//! The worker loads one library with the same checks as an in-process load, answers a hello,
//! then one render call per request, until its stdin closes.
//!
//! The worker never opens the library by its path: the host reads the file once, checks those
//! bytes (and hashes them against a lock), and sends them as the first frame; the worker loads
//! a private copy of them (see `image.rs`). The path on the command line only names the library
//! in messages. A worker that opened the path would load whatever the path held by then.
//!
//! Over the pipes go length-prefixed frames:
//! - host to worker, stdin: `u64 length (little-endian)` then the bytes: first the library's,
//!   then one request each;
//! - worker to host, the worker's original stdout: `u8 kind`, `i32 status`, `u64 length`, the
//!   bytes. The first answer is the hello (`Result<Hello, PluginError>` as JSON); each later
//!   one is the plugin's status and buffer ([`FRAME_ANSWER`]), or [`FRAME_OVERSIZE`] with the
//!   length it claimed. The kind is a byte of its own because a plugin may return any `i32`
//!   status, -1 included: no status value can mark a frame.
//!
//! Whatever the plugin prints, on stdout or stderr, goes to the worker's stderr (the worker
//! points its stdout there before it loads the library), which the host captures and hands to
//! the caller as the plugin's output: it never reaches zat's stdout. After each answer the
//! worker writes a marker with a per-worker nonce to stderr, so the host knows which output
//! belongs to which call.
//!
//! Every way a worker can fail (it crashes, aborts, exits, hangs past the deadline, claims an
//! oversize answer) becomes a [`PluginError`] naming the plugin and its file; the worker is then
//! stopped and every later call fails at once as [`PluginError::NotCalled`], never as a
//! repeat of the first failure it did not have.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, mpsc};
use std::time::{Duration, Instant};

use zat_plugin_api::PluginInfo;

use crate::image::Image;
use crate::plugin::{DEFAULT_MAX_RESPONSE, RawAnswer, printable};
use crate::{Plugin, PluginError, PluginOrigin};

/// The kind of frame that holds the plugin's status and buffer.
const FRAME_ANSWER: u8 = 0;

/// The kind of frame a worker sends when the plugin claimed an answer over the limit; its
/// bytes are the claimed length (`u64`, little-endian).
const FRAME_OVERSIZE: u8 = 1;

/// The default deadline of one call (the hello included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How much of a plugin's output is kept per call; the rest is counted.
const OUTPUT_LIMIT: usize = 16 << 10;

/// How long the host waits for output the worker has written but the host not read yet.
const SYNC_WAIT: Duration = Duration::from_secs(2);

/// How to run a worker, and its limits.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The program, e.g. the zat binary (`std::env::current_exe()`).
    pub command: PathBuf,
    /// Arguments before the worker's own (e.g. the hidden subcommand's name).
    pub args: Vec<OsString>,
    /// Deadline of each call; the worker is stopped when it passes.
    pub timeout: Duration,
    /// Largest answer, in bytes, a plugin may give.
    pub max_response: usize,
}

impl WorkerConfig {
    /// A worker run as `command args… --max-response=N --sync=NONCE -- LIBRARY`, with the
    /// default deadline and answer limit. The library's bytes come on its stdin.
    pub fn new(command: impl Into<PathBuf>, args: Vec<OsString>) -> WorkerConfig {
        WorkerConfig {
            command: command.into(),
            args,
            timeout: DEFAULT_TIMEOUT,
            max_response: DEFAULT_MAX_RESPONSE,
        }
    }
}

/// What a worker reports after it loaded the library.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Hello {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) abi_version: u32,
    pub(crate) info: PluginInfo,
}

/// The host's handle on one worker process.
#[derive(Debug)]
pub(crate) struct Worker {
    origin: PluginOrigin,
    timeout: Duration,
    max_response: usize,
    state: Mutex<State>,
    capture: Arc<Capture>,
}

#[derive(Debug)]
struct State {
    child: Child,
    /// Absent while a call is in flight, and after the worker died.
    pipes: Option<(ChildStdin, ChildStdout)>,
    /// Answers received so far; also the number of markers to wait for.
    answers: u64,
    /// Why the worker is gone, once it is.
    dead: Option<String>,
}

/// How one exchange with the worker failed.
enum Failure {
    /// Its pipe closed: it died (or closed it) before answering.
    Died,
    /// It had stopped before this exchange, which was never sent.
    Gone,
    /// No answer before the deadline.
    Hung,
    /// It claimed an answer of this many bytes, over the limit.
    Oversize(u64),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

static NONCES: AtomicU64 = AtomicU64::new(0);

fn nonce() -> String {
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{clock:x}-{}", std::process::id(), NONCES.fetch_add(1, Ordering::Relaxed))
}

fn marker(nonce: &str) -> Vec<u8> {
    format!("\0zat-worker-sync {nonce}\0").into_bytes()
}

impl Worker {
    /// Starts the worker for `image`, sends it the library's bytes and reads its hello.
    pub(crate) fn start(
        image: &Image,
        config: &WorkerConfig,
    ) -> Result<(Worker, Hello), PluginError> {
        let path = image.path();
        let nonce = nonce();
        let mut child = Command::new(&config.command)
            .args(&config.args)
            .arg(format!("--max-response={}", config.max_response))
            .arg(format!("--sync={nonce}"))
            .arg("--")
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| PluginError::Worker {
                path: path.to_owned(),
                message: format!("cannot start {}: {e}", config.command.display()),
            })?;
        let capture = Arc::new(Capture::new(marker(&nonce)));
        if let Some(stderr) = child.stderr.take() {
            let capture = Arc::clone(&capture);
            std::thread::spawn(move || capture.drain(stderr));
        }
        let pipes = child.stdin.take().zip(child.stdout.take());
        let worker = Worker {
            origin: PluginOrigin::Library(path.to_owned()),
            timeout: config.timeout,
            max_response: config.max_response,
            state: Mutex::new(State { child, pipes, answers: 0, dead: None }),
            capture,
        };
        let (answer, output) = worker.exchange(image.bytes());
        let bytes = match answer {
            Ok((_, bytes)) => bytes,
            Err(failure) => return Err(worker.error("", failure, output)),
        };
        match serde_json::from_slice::<Result<Hello, PluginError>>(&bytes) {
            Ok(Ok(hello)) => Ok((worker, hello)),
            Ok(Err(error)) => Err(error),
            Err(e) => Err(PluginError::Worker {
                path: path.to_owned(),
                message: format!("its hello is not understood ({e}); is it a zat worker?"),
            }),
        }
    }

    /// One render call: the raw answer, and what the plugin printed meanwhile.
    pub(crate) fn call(
        &self,
        name: &str,
        request: &[u8],
    ) -> (Result<RawAnswer, PluginError>, String) {
        let (answer, output) = self.exchange(request);
        match answer {
            Ok(answer) => (Ok(answer), output),
            Err(failure) => (Err(self.error(name, failure, output)), String::new()),
        }
    }

    fn error(&self, name: &str, failure: Failure, output: String) -> PluginError {
        let (name, origin) = (name.to_owned(), self.origin.clone());
        match failure {
            Failure::Died => {
                let how = lock(&self.state).dead.clone().unwrap_or_default();
                PluginError::Crashed { name, origin, how, output }
            }
            Failure::Gone => PluginError::NotCalled { name, origin },
            Failure::Hung => {
                PluginError::TimedOut { name, origin, seconds: self.timeout.as_secs(), output }
            }
            Failure::Oversize(claimed) => PluginError::Oversize {
                name,
                origin,
                claimed,
                limit: self.max_response as u64,
                output,
            },
        }
    }

    /// Sends a request (or the library, for the hello), waits for the answer until the deadline, and
    /// collects the output that belongs to it. Any failure stops the worker for good.
    fn exchange(&self, request: &[u8]) -> (Result<RawAnswer, Failure>, String) {
        let mut state = lock(&self.state);
        let Some((mut stdin, mut stdout)) = state.pipes.take() else {
            return (Err(Failure::Gone), String::new());
        };
        let (sender, receiver) = mpsc::channel();
        let request = request.to_vec();
        let limit = self.max_response;
        std::thread::spawn(move || {
            let result =
                write_request(&mut stdin, &request).and_then(|()| read_answer(&mut stdout, limit));
            let _ = sender.send((stdin, stdout, result));
        });
        let failure = match receiver.recv_timeout(self.timeout) {
            Ok((stdin, stdout, Ok(Ok(answer)))) => {
                state.pipes = Some((stdin, stdout));
                state.answers += 1;
                let output = self.capture.take(state.answers, SYNC_WAIT);
                return (Ok(answer), output);
            }
            Ok((_, _, Ok(Err(claimed)))) => {
                stop(&mut state.child);
                state.dead = Some(format!("it claimed an answer of {claimed} bytes"));
                Failure::Oversize(claimed)
            }
            Ok((_, _, Err(_))) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                state.dead = Some(death(&mut state.child));
                Failure::Died
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                stop(&mut state.child);
                state.dead = Some(format!("it did not answer within {} s", self.timeout.as_secs()));
                Failure::Hung
            }
        };
        (Err(failure), self.capture.take_rest(SYNC_WAIT))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let mut state = lock(&self.state);
        // Closing its stdin ends a healthy worker; a stuck one is killed.
        state.pipes = None;
        let deadline = Instant::now() + Duration::from_millis(200);
        while Instant::now() < deadline {
            if !matches!(state.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        stop(&mut state.child);
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Waits briefly for a worker whose pipe closed and says how it ended.
fn death(child: &mut Child) -> String {
    let deadline = Instant::now() + SYNC_WAIT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                stop(child);
                return "it closed its answer pipe without answering and was stopped".to_owned();
            }
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("it was killed by signal {signal} ({})", signal_name(signal));
        }
    }
    match status.code() {
        Some(0) => "it exited with status 0 without answering (a plugin must return from \
                    render, never call exit)"
            .to_owned(),
        Some(code) => format!("it exited with status {code} without answering"),
        None => format!("it ended without answering ({status})"),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        4 => "SIGILL, an illegal instruction",
        5 => "SIGTRAP",
        6 => "SIGABRT, the plugin called abort()",
        7 => "SIGBUS, a bus error",
        8 => "SIGFPE, an arithmetic error",
        9 => "SIGKILL, e.g. from the out-of-memory killer",
        11 => "SIGSEGV, a segmentation fault",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

fn write_request(to: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    to.write_all(&(bytes.len() as u64).to_le_bytes())?;
    to.write_all(bytes)?;
    to.flush()
}

/// Reads one answer frame; `Ok(Err(claimed))` when it is, or claims to be, over `limit`.
fn read_answer(from: &mut impl Read, limit: usize) -> io::Result<Result<RawAnswer, u64>> {
    let mut head = [0u8; 13];
    from.read_exact(&mut head)?;
    let kind = head[0];
    let status = i32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&head[5..]);
    let len = u64::from_le_bytes(len);
    if len > limit as u64 {
        return Ok(Err(len));
    }
    let bytes = read_exactly(from, len)?;
    if kind != FRAME_ANSWER && kind != FRAME_OVERSIZE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a frame of an unknown kind"));
    }
    if kind == FRAME_OVERSIZE {
        let mut claimed = [0u8; 8];
        let n = bytes.len().min(8);
        claimed[..n].copy_from_slice(&bytes[..n]);
        return Ok(Err(u64::from_le_bytes(claimed)));
    }
    Ok(Ok((status, bytes)))
}

/// Reads exactly `len` bytes without reserving them up front (a lying length costs nothing).
fn read_exactly(from: &mut impl Read, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    from.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 == len { Ok(bytes) } else { Err(io::ErrorKind::UnexpectedEof.into()) }
}

/// The plugin's output as the host reads it from the worker's stderr.
#[derive(Debug)]
struct Capture {
    marker: Vec<u8>,
    state: Mutex<CaptureState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct CaptureState {
    /// Read, not yet known to be free of a (partial) marker.
    pending: Vec<u8>,
    /// Output of the current call, up to [`OUTPUT_LIMIT`].
    output: Vec<u8>,
    /// Bytes of the current call left out.
    dropped: usize,
    /// Markers seen.
    marks: u64,
    /// The pipe reached its end.
    closed: bool,
}

impl CaptureState {
    fn keep(&mut self, upto: usize) {
        let room = OUTPUT_LIMIT.saturating_sub(self.output.len()).min(upto);
        self.output.extend_from_slice(&self.pending[..room]);
        self.dropped += upto - room;
        self.pending.drain(..upto);
    }

    fn take(&mut self) -> String {
        let mut text = clean(&String::from_utf8_lossy(&std::mem::take(&mut self.output)));
        let dropped = std::mem::take(&mut self.dropped);
        if dropped > 0 {
            text.push_str(&format!("\n… ({dropped} more bytes left out)"));
        }
        text
    }
}

impl Capture {
    fn new(marker: Vec<u8>) -> Capture {
        Capture { marker, state: Mutex::new(CaptureState::default()), changed: Condvar::new() }
    }

    /// Reads the worker's stderr to its end, splitting it at the markers.
    fn drain(&self, mut from: impl Read) {
        let mut chunk = vec![0u8; 8192];
        loop {
            let n = match from.read(&mut chunk) {
                Ok(0) | Err(_) => 0,
                Ok(n) => n,
            };
            let mut state = lock(&self.state);
            if n == 0 {
                let all = state.pending.len();
                state.keep(all);
                state.closed = true;
                self.changed.notify_all();
                return;
            }
            state.pending.extend_from_slice(&chunk[..n]);
            while let Some(at) = find(&state.pending, &self.marker) {
                state.keep(at);
                state.pending.drain(..self.marker.len());
                // The output of a finished call waits in `output` until `take` collects it;
                // a new marker only counts.
                state.marks += 1;
            }
            // Keep back what could be the start of a marker.
            let safe = state.pending.len().saturating_sub(self.marker.len() - 1);
            state.keep(safe);
            self.changed.notify_all();
        }
    }

    /// The output up to marker `mark`, waiting at most `wait` for it.
    fn take(&self, mark: u64, wait: Duration) -> String {
        let state = lock(&self.state);
        let (mut state, _) = self
            .changed
            .wait_timeout_while(state, wait, |s| s.marks < mark && !s.closed)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.take()
    }

    /// Everything until the pipe closes (the worker is gone), waiting at most `wait`.
    fn take_rest(&self, wait: Duration) -> String {
        let state = lock(&self.state);
        let (mut state, _) = self
            .changed
            .wait_timeout_while(state, wait, |s| !s.closed)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let all = state.pending.len();
        state.keep(all);
        state.take()
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Output as it may be shown (see [`printable`]), without trailing blank lines.
fn clean(text: &str) -> String {
    printable(text).trim_end().to_owned()
}

/// Why [`serve_worker`] could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("usage: --max-response=N --sync=NONCE -- LIBRARY (got {0})")]
    Usage(String),
    #[error("cannot set up the worker's pipes: {0}")]
    Io(#[from] io::Error),
}

/// The worker side: loads the library whose bytes come first on stdin (named in messages as
/// `args` say: `--max-response=N --sync=NONCE -- LIBRARY`), sends the hello, then answers
/// render requests from stdin until it closes.
///
/// Only for a process started by the host for this purpose: it points its own stdout at its
/// stderr, so that nothing the plugin prints can be taken for an answer.
pub fn serve_worker(args: &[OsString]) -> Result<(), ServeError> {
    let usage = || ServeError::Usage(format!("{args:?}"));
    let mut max_response = DEFAULT_MAX_RESPONSE;
    let mut sync = None;
    let mut library = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let text = arg.to_str().ok_or_else(usage)?;
        if let Some(n) = text.strip_prefix("--max-response=") {
            max_response = n.parse().map_err(|_| usage())?;
        } else if let Some(n) = text.strip_prefix("--sync=") {
            sync = Some(n.to_owned());
        } else if text == "--" {
            library = rest.next().map(PathBuf::from);
            break;
        } else {
            return Err(usage());
        }
    }
    let (Some(sync), Some(library)) = (sync, library) else { return Err(usage()) };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // A worker outlives no host: if zat is killed, so is the worker. Linux sends the
        // signal when the *thread* that started the worker ends, so the host starts workers
        // from the thread that builds the plugin set and lives as long as it.
        let _ =
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    }
    let mut answers = protocol_channel()?;
    let marker = marker(&sync);
    let mut stderr = io::stderr();
    let mut answer = |kind: u8, status: i32, bytes: &[u8]| -> io::Result<()> {
        // The marker first: when the host has the answer, the output before it is in the pipe.
        let _ = stderr.write_all(&marker).and_then(|()| stderr.flush());
        answers.write_all(&[kind])?;
        answers.write_all(&status.to_le_bytes())?;
        answers.write_all(&(bytes.len() as u64).to_le_bytes())?;
        answers.write_all(bytes)?;
        answers.flush()
    };
    let mut requests = io::stdin().lock();
    let mut len = [0u8; 8];
    requests.read_exact(&mut len)?;
    let image = Image::from_bytes(&library, read_exactly(&mut requests, u64::from_le_bytes(len))?);
    let loaded = Plugin::load_image(&image);
    let hello = loaded.as_ref().map_err(Clone::clone).map(|plugin| Hello {
        name: plugin.name().to_owned(),
        version: plugin.version().to_owned(),
        abi_version: plugin.abi_version(),
        info: plugin.info().clone(),
    });
    let hello = serde_json::to_vec(&hello).map_err(|e| ServeError::Io(io::Error::other(e)))?;
    answer(FRAME_ANSWER, 0, &hello)?;
    let Ok(plugin) = loaded else { return Ok(()) };
    loop {
        let mut len = [0u8; 8];
        match requests.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e.into()),
        }
        let request = read_exactly(&mut requests, u64::from_le_bytes(len))?;
        match plugin.call_raw(Some(&request), max_response) {
            Ok((status, bytes)) => answer(FRAME_ANSWER, status, &bytes)?,
            Err(claimed) => answer(FRAME_OVERSIZE, 0, &(claimed as u64).to_le_bytes())?,
        }
    }
}

/// The answer channel: a copy of the original stdout, after which stdout (fd 1) points at
/// stderr, where the host captures whatever the plugin prints.
#[cfg(unix)]
fn protocol_channel() -> io::Result<std::fs::File> {
    // Above the standard descriptors and closed on exec, so a program the plugin starts
    // cannot write answers.
    let answers = rustix::io::fcntl_dupfd_cloexec(io::stdout(), 3)?;
    rustix::stdio::dup2_stdout(io::stderr())?;
    Ok(std::fs::File::from(answers))
}

/// Without `dup2` the plugin's stdout cannot be moved aside; answers share it.
#[cfg(not(unix))]
fn protocol_channel() -> io::Result<io::Stdout> {
    Ok(io::stdout())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_lying_lengths_are_refused() {
        let frame_of = |kind: u8, status: i32, bytes: &[u8]| {
            let mut frame = vec![kind];
            frame.extend_from_slice(&status.to_le_bytes());
            frame.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            frame.extend_from_slice(bytes);
            frame
        };
        let frame = frame_of(FRAME_ANSWER, 3, b"hello");
        let answer = read_answer(&mut frame.as_slice(), 100).expect("read").expect("in limit");
        assert_eq!(answer, (3, b"hello".to_vec()));
        assert!(matches!(read_answer(&mut frame.as_slice(), 4), Ok(Err(5))));
        // Any status a plugin returns is its own, -1 too: it is no frame marker.
        let frame = frame_of(FRAME_ANSWER, -1, b"no such ring");
        let answer = read_answer(&mut frame.as_slice(), 100).expect("read").expect("in limit");
        assert_eq!(answer, (-1, b"no such ring".to_vec()));
        let frame = frame_of(FRAME_OVERSIZE, 0, &(1u64 << 40).to_le_bytes());
        assert!(matches!(read_answer(&mut frame.as_slice(), 100), Ok(Err(n)) if n == 1 << 40));
        assert!(read_answer(&mut frame_of(7, 0, b"").as_slice(), 100).is_err());

        let mut huge = vec![FRAME_ANSWER];
        huge.extend_from_slice(&0i32.to_le_bytes());
        huge.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(matches!(read_answer(&mut huge.as_slice(), 1 << 30), Ok(Err(n)) if n == 1 << 40));
        // A short body is the end of the pipe, not an allocation of the claimed size.
        let mut short = vec![FRAME_ANSWER];
        short.extend_from_slice(&0i32.to_le_bytes());
        short.extend_from_slice(&100u64.to_le_bytes());
        short.extend_from_slice(b"abc");
        assert!(read_answer(&mut short.as_slice(), 1000).is_err());
    }

    #[test]
    fn capture_splits_output_at_markers_even_across_chunks() {
        let capture = Capture::new(marker("n1"));
        let mut stream = b"first call\n".to_vec();
        stream.extend_from_slice(&marker("n1"));
        stream.extend_from_slice(b"second\x1b[31m call\xe2\x80\xae\n");
        stream.extend_from_slice(&marker("n1"));
        // One byte at a time, the worst split of all.
        struct Trickle(Vec<u8>, usize);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 >= self.0.len() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[self.1];
                self.1 += 1;
                Ok(1)
            }
        }
        capture.drain(Trickle(stream, 0));
        let state = lock(&capture.state);
        assert_eq!(state.marks, 2);
        drop(state);
        let both = capture.take(2, Duration::ZERO);
        assert_eq!(both, "first call\nsecond?[31m call?");
    }

    #[test]
    fn output_beyond_the_limit_is_counted_not_kept() {
        let capture = Capture::new(marker("n2"));
        capture.drain(vec![b'x'; OUTPUT_LIMIT + 10].as_slice());
        let text = capture.take_rest(Duration::ZERO);
        assert!(text.ends_with("(10 more bytes left out)"), "{}", &text[text.len() - 40..]);
    }
}
