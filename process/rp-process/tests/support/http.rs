//! HTTP requests and responses as the plugin server's HTTP operation lays them out
//! (`rp_http_plugin::layout`), for the tests that call an HTTP plugin out of process.
#![allow(dead_code)] // each test binary uses what it needs

/// A GET of `/` with the headers given and `body`: little-endian u32s (header count, method and
/// path lengths, each header's name and value lengths, the body's length), then those strings.
pub fn request(headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut words = vec![headers.len() as u32, 3, 1];
    let mut text = b"GET/".to_vec();
    for (name, value) in headers {
        words.extend([name.len() as u32, value.len() as u32]);
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(value.as_bytes());
    }
    words.push(body.len() as u32);
    let mut out: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    out.extend_from_slice(&text);
    out.extend_from_slice(body);
    out
}

/// A response's status (little-endian u64s: status, header count, body length, ...; the body
/// last).
pub fn status(response: &[u8]) -> u64 {
    u64::from_le_bytes(response[..8].try_into().unwrap())
}

/// A response's body; "" for a response too garbled to have one (a scribbler's).
pub fn body(response: &[u8]) -> String {
    let len = response.get(16..24).map_or(usize::MAX, |w| {
        u64::from_le_bytes(w.try_into().unwrap()) as usize
    });
    response
        .len()
        .checked_sub(len)
        .map_or(String::new(), |start| {
            String::from_utf8_lossy(&response[start..]).into_owned()
        })
}
