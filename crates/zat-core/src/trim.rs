//! The part of two large texts that differs, found without holding either: what `zat diff`
//! needs of the manifest, two texts of over 100 MB at thousands of LPARs that differ in a few
//! entries.

use std::io::{self, Read, Seek, SeekFrom};

/// Shared lines kept on each side of the part that differs: at least the context any patch
/// shows, so that a diff of the two parts gives the hunks a diff of the whole texts gives.
pub const SHARED_LINES: usize = 8;

/// Two texts cut to the part that differs, with [`SHARED_LINES`] shared lines on either side
/// where the texts have them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed {
    /// Lines of both texts before the parts (the parts start on a line of both).
    pub skipped: usize,
    pub old: Vec<u8>,
    pub new: Vec<u8>,
}

/// Reads `old` and `new` (from their start) in pieces and keeps only the part that differs;
/// `None` when they are the same bytes.
pub fn trim_shared<R: Read + Seek>(old: &mut R, new: &mut R) -> io::Result<Option<Trimmed>> {
    let old_len = old.seek(SeekFrom::End(0))?;
    let new_len = new.seek(SeekFrom::End(0))?;
    // The shared start, and where the last lines before its end begin.
    old.seek(SeekFrom::Start(0))?;
    new.seek(SeekFrom::Start(0))?;
    let (prefix, line_starts, lines_before) = shared_start(old, new)?;
    if prefix == old_len && prefix == new_len {
        return Ok(None);
    }
    // The part starts SHARED_LINES lines before the line the first difference is on.
    let back = line_starts.len().saturating_sub(SHARED_LINES + 1);
    let start = line_starts.get(back).copied().unwrap_or(0);
    let skipped = lines_before.saturating_sub(line_starts.len() - 1 - back);
    // The shared end, never reaching into the shared start.
    let room = old_len.min(new_len) - prefix;
    let suffix = shared_end(old, new, old_len, new_len, room)?;
    // The part ends SHARED_LINES whole lines into the shared end: past the first line break in
    // it (the shared end may begin inside a line), then SHARED_LINES more.
    let tail_start = old_len - suffix;
    let kept = lines_into(old, tail_start, old_len, SHARED_LINES + 1)?;
    let old_end = tail_start + kept;
    let new_end = new_len - (old_len - old_end);
    Ok(Some(Trimmed {
        skipped,
        old: read_range(old, start, old_end)?,
        new: read_range(new, start, new_end)?,
    }))
}

const PIECE: usize = 1 << 16;

/// Reads into `buffer` until it is full or the reader ends; how much it read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut read = 0;
    while read < buffer.len() {
        match reader.read(&mut buffer[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

/// The length of the bytes both texts start with; the starts of the last
/// [`SHARED_LINES`] + 1 lines that begin within it (or at its end), oldest first; and the
/// number of line breaks before the last of them.
fn shared_start(old: &mut impl Read, new: &mut impl Read) -> io::Result<(u64, Vec<u64>, usize)> {
    let (mut a, mut b) = (vec![0u8; PIECE], vec![0u8; PIECE]);
    let mut at = 0u64;
    let mut starts = std::collections::VecDeque::from([0u64]);
    let mut breaks = 0usize;
    loop {
        let (read_a, read_b) = (fill(old, &mut a)?, fill(new, &mut b)?);
        let both = read_a.min(read_b);
        let same = a[..both].iter().zip(&b[..both]).take_while(|(x, y)| x == y).count();
        for (i, byte) in a[..same].iter().enumerate() {
            if *byte == b'\n' {
                breaks += 1;
                starts.push_back(at + i as u64 + 1);
                if starts.len() > SHARED_LINES + 1 {
                    starts.pop_front();
                }
            }
        }
        at += same as u64;
        if same < both || read_a < PIECE || read_b < PIECE {
            return Ok((at, starts.into(), breaks));
        }
    }
}

/// The length of the bytes both texts end with, at most `room`.
fn shared_end<R: Read + Seek>(
    old: &mut R,
    new: &mut R,
    old_len: u64,
    new_len: u64,
    room: u64,
) -> io::Result<u64> {
    let (mut a, mut b) = (vec![0u8; PIECE], vec![0u8; PIECE]);
    let mut shared = 0u64;
    while shared < room {
        let piece = (room - shared).min(PIECE as u64) as usize;
        old.seek(SeekFrom::Start(old_len - shared - piece as u64))?;
        new.seek(SeekFrom::Start(new_len - shared - piece as u64))?;
        let (a, b) = (&mut a[..piece], &mut b[..piece]);
        if fill(old, a)? < piece || fill(new, b)? < piece {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "a text got shorter"));
        }
        let same = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
        shared += same as u64;
        if same < piece {
            break;
        }
    }
    Ok(shared)
}

/// How many bytes from `from` to the end of its `lines`-th line break (or to `end`).
fn lines_into<R: Read + Seek>(text: &mut R, from: u64, end: u64, lines: usize) -> io::Result<u64> {
    text.seek(SeekFrom::Start(from))?;
    let mut buffer = vec![0u8; PIECE];
    let (mut at, mut seen) = (0u64, 0usize);
    while from + at < end {
        let read = fill(text, &mut buffer)?;
        if read == 0 {
            break;
        }
        for byte in &buffer[..read] {
            at += 1;
            if *byte == b'\n' {
                seen += 1;
                if seen == lines {
                    return Ok(at);
                }
            }
        }
    }
    Ok(end - from)
}

fn read_range<R: Read + Seek>(text: &mut R, start: u64, end: u64) -> io::Result<Vec<u8>> {
    text.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    text.take(end - start).read_to_end(&mut bytes)?;
    Ok(bytes)
}
