//! A kept answer's two encodings: gzip, made and read here with zlib-rs,
//! and the JSON itself; and which one a client accepts.

use std::cell::RefCell;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};

/// Whether the client accepts gzip (`Accept-Encoding`, RFC 9110: a
/// `gzip` or `x-gzip` entry says so by its weight, `q=0` refusing; else
/// `*` does).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut named = None;
    let mut any = None;
    let codings = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for coding in codings {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let weight = parts
            .filter_map(|param| {
                let (key, value) = param.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().ok())
                    .flatten()
            })
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            named = Some(weight > 0.0);
        } else if name == "*" {
            any = Some(weight > 0.0);
        }
    }
    named.or(any).unwrap_or(false)
}

thread_local! {
    /// An inflater per thread: its state is 40 KB, which a new one per
    /// answer would allocate and clear each time.
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// The JSON of a kept answer, from its gzip bytes as [`compress`] wrote
/// them: a 10-byte header without optional fields, the deflate stream,
/// and an 8-byte trailer whose length the JSON must have (its CRC is left
/// unchecked: the bytes never left this process).
pub(super) fn inflate(gzip: &[u8]) -> Option<Vec<u8>> {
    let header = gzip.get(..10)?;
    if header[..4] != [0x1f, 0x8b, 8, 0] {
        return None;
    }
    let trailer = gzip.len().checked_sub(8)?;
    let deflate = gzip.get(10..trailer)?;
    let length: [u8; 4] = gzip.get(trailer + 4..)?.try_into().ok()?;
    let length = usize::try_from(u32::from_le_bytes(length)).ok()?;
    INFLATER.with(|inflater| {
        let mut inflater = inflater.try_borrow_mut().ok()?;
        inflater.reset(false);
        let mut json = Vec::with_capacity(length);
        let status = inflater
            .decompress_vec(deflate, &mut json, FlushDecompress::Finish)
            .ok()?;
        (status == Status::StreamEnd && json.len() == length).then_some(json)
    })
}

/// `json` as gzip bytes: a 10-byte header without optional fields, the
/// deflate stream, and the CRC-32 and length of `json`. The deflater is
/// the thread's own: its state is 300 KB, not worth allocating per answer.
pub(super) fn compress(json: &[u8]) -> Option<Bytes> {
    thread_local! {
        static DEFLATER: RefCell<Compress> = RefCell::new(Compress::new(Compression::default(), false));
    }
    let length = u32::try_from(json.len()).ok()?;
    let mut gzip = Vec::with_capacity(json.len() / 4 + 64);
    gzip.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    DEFLATER.with(|deflater| {
        let mut deflater = deflater.try_borrow_mut().ok()?;
        deflater.reset();
        loop {
            let read = usize::try_from(deflater.total_in()).ok()?;
            if gzip.len() == gzip.capacity() {
                gzip.reserve(json.len() / 4 + 64);
            }
            let status = deflater
                .compress_vec(json.get(read..)?, &mut gzip, FlushCompress::Finish)
                .ok()?;
            if status == Status::StreamEnd {
                return Some(());
            }
        }
    })?;
    let mut crc = Crc::new();
    crc.update(json);
    gzip.extend_from_slice(&crc.sum().to_le_bytes());
    gzip.extend_from_slice(&length.to_le_bytes());
    // Kept for long: no spare capacity.
    gzip.shrink_to_fit();
    Some(Bytes::from(gzip))
}

/// A response of a kept answer's bytes: `gzip` says whether they are its
/// gzip bytes (the compression layer then leaves them be) or its JSON
/// (which the layer would compress for a client that accepts it; this one
/// does not). Either way it varies by `Accept-Encoding`, as that layer's
/// answers do (the layer adds it to an answer without it; the shortcut
/// to kept answers passes no such layer). The bytes are shared, not
/// copied.
pub(super) fn response(bytes: Bytes, gzip: bool) -> Response {
    let length = HeaderValue::from(bytes.len());
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LENGTH, length);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::super::JSON),
    );
    if gzip {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}
