//! The HTTP plugin boundary driven through a host table, on any input: the echo plugin gets a
//! request made of the input's bytes (any method, path, headers, body and config, valid UTF-8 or
//! not) from host callbacks that may also fail on purpose, and must answer with a defined status,
//! never a panic across the C ABI, and echo the body when nothing failed. Used by the fuzz target
//! `http_boundary` (rust-plugin/fuzz) and by `tests/fuzz_corpus.rs`, which `make test` runs.

use std::ptr;

use ::rp_http_plugin::abi::{
    rp_http_header, rp_http_host, rp_http_plugin, rp_http_plugin_descriptor, rp_http_request,
    rp_http_request_data, rp_http_response, rp_http_response_data,
};
use echo_plugin::rp_http_plugin_get_descriptor;
use rp_ffi_core::status::*;
use rp_ffi_core::string::rp_str;

/// A request as the host holds it. `failing` says which callbacks fail: bit 0 get_method, 1
/// get_path, 2 get_header, 3 get_body.
#[derive(Debug)]
struct Request {
    failing: u8,
    method: Vec<u8>,
    path: Vec<u8>,
    body: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
}

#[derive(Default, Debug, PartialEq)]
struct Response {
    status: i32,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    body: Option<Vec<u8>>,
}

fn view(bytes: &[u8]) -> rp_str {
    rp_str {
        ptr: bytes.as_ptr().cast(),
        len: bytes.len(),
    }
}

/// # Safety
/// `text` is a view valid for the call (the plugin's).
unsafe fn bytes(text: rp_str) -> Vec<u8> {
    if text.len == 0 {
        return Vec::new();
    }
    // SAFETY: the plugin passes a valid view, as the ABI requires.
    unsafe { std::slice::from_raw_parts(text.ptr.cast::<u8>(), text.len) }.to_vec()
}

/// # Safety
/// `request` is the `Request` this module handed to `handle`.
unsafe fn request<'a>(request: *const rp_http_request) -> &'a Request {
    // SAFETY: as documented; the host (this module) made it.
    unsafe { &*request.cast::<Request>() }
}

unsafe extern "C" fn get_method(r: *const rp_http_request, out: *mut rp_str) -> Status {
    // SAFETY: the plugin passes back the request it was given and a writable out-param.
    let r = unsafe { request(r) };
    if r.failing & 1 != 0 {
        return RP_INVALID_ARGUMENT;
    }
    // SAFETY: as above.
    unsafe { *out = view(&r.method) };
    RP_OK
}

unsafe extern "C" fn get_path(r: *const rp_http_request, out: *mut rp_str) -> Status {
    // SAFETY: as in get_method.
    let r = unsafe { request(r) };
    if r.failing & 2 != 0 {
        return RP_INVALID_ARGUMENT;
    }
    // SAFETY: as in get_method.
    unsafe { *out = view(&r.path) };
    RP_OK
}

unsafe extern "C" fn get_header(
    r: *const rp_http_request,
    name: rp_str,
    out: *mut rp_str,
) -> Status {
    // SAFETY: as in get_method.
    let r = unsafe { request(r) };
    if r.failing & 4 != 0 {
        return RP_INVALID_ARGUMENT;
    }
    // SAFETY: the plugin's view, valid for the call.
    let name = unsafe { bytes(name) };
    match r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
    {
        // SAFETY: as in get_method.
        Some((_, value)) => unsafe { *out = view(value) },
        None => return RP_NOT_FOUND,
    }
    RP_OK
}

unsafe extern "C" fn get_body(r: *const rp_http_request, out: *mut rp_str) -> Status {
    // SAFETY: as in get_method.
    let r = unsafe { request(r) };
    if r.failing & 8 != 0 {
        return RP_INVALID_ARGUMENT;
    }
    // SAFETY: as in get_method.
    unsafe { *out = view(&r.body) };
    RP_OK
}

/// # Safety
/// `response` is the `Response` this module handed to `handle`.
unsafe fn response<'a>(response: *mut rp_http_response) -> &'a mut Response {
    // SAFETY: as documented.
    unsafe { &mut *response.cast::<Response>() }
}

unsafe extern "C" fn set_status(r: *mut rp_http_response, code: i32) -> Status {
    // SAFETY: the plugin passes back the response it was given.
    unsafe { response(r) }.status = code;
    RP_OK
}

unsafe extern "C" fn set_header(r: *mut rp_http_response, name: rp_str, value: rp_str) -> Status {
    // SAFETY: as in set_status; the views are valid for the call.
    unsafe { response(r).headers.push((bytes(name), bytes(value))) };
    RP_OK
}

unsafe extern "C" fn set_body(r: *mut rp_http_response, body: rp_str) -> Status {
    // SAFETY: as in set_header.
    unsafe { response(r).body = Some(bytes(body)) };
    RP_OK
}

static HOST: rp_http_host = rp_http_host {
    struct_size: size_of::<rp_http_host>(),
    get_method: Some(get_method),
    get_path: Some(get_path),
    get_header: Some(get_header),
    get_body: Some(get_body),
    set_status: Some(set_status),
    set_header: Some(set_header),
    set_body: Some(set_body),
};

/// Splits `input` into the failure mask, method, path, config, body and header pairs (fields
/// separated by NUL bytes). A delay header is dropped: it would only make the plugin sleep.
fn parse(input: &[u8]) -> (Request, Vec<u8>) {
    let (&failing, rest) = input.split_first().unwrap_or((&0, &[]));
    let mut fields = rest.split(|&b| b == 0).map(<[u8]>::to_vec);
    let mut next = || fields.next().unwrap_or_default();
    let (method, path, config, body) = (next(), next(), next(), next());
    let mut headers = Vec::new();
    loop {
        let (name, value) = (next(), next());
        if name.is_empty() && value.is_empty() {
            break;
        }
        if !name.eq_ignore_ascii_case(b"x-echo-delay-ms") {
            headers.push((name, value));
        }
    }
    let failing = failing & 0x0f;
    (
        Request {
            failing,
            method,
            path,
            body,
            headers,
        },
        config,
    )
}

/// Serves `request` through the 1.1 `serve` (one call) and copies the response out.
///
/// # Safety
/// `instance` is a live, initialised instance of `api`'s plugin.
unsafe fn serve(
    api: &rp_http_plugin_descriptor,
    instance: *mut rp_http_plugin,
    request: &Request,
) -> Result<Response, Status> {
    let headers: Vec<rp_http_header> = request
        .headers
        .iter()
        .map(|(name, value)| rp_http_header {
            name: view(name),
            value: view(value),
        })
        .collect();
    let data = rp_http_request_data {
        method: view(&request.method),
        path: view(&request.path),
        headers: headers.as_ptr(),
        header_count: headers.len(),
        body: view(&request.body),
    };
    let mut out = rp_http_response_data {
        status: 0,
        headers: ptr::null(),
        header_count: 0,
        body: view(&[]),
        plugin_data: ptr::null_mut(),
    };
    // SAFETY: the caller's contract; `data` and its views outlive the call.
    let status = unsafe { (api.serve)(instance, &data, &mut out) };
    if status != RP_OK {
        assert!(
            out.plugin_data.is_null(),
            "a failed serve leaves the response untouched"
        );
        return Err(status);
    }
    // SAFETY: a successful serve's views are valid until release_response.
    let response = unsafe {
        Response {
            status: out.status,
            headers: std::slice::from_raw_parts(out.headers, out.header_count)
                .iter()
                .map(|h| (bytes(h.name), bytes(h.value)))
                .collect(),
            body: Some(bytes(out.body)),
        }
    };
    // SAFETY: released once; then a zeroed response and NULL, which the ABI accepts.
    unsafe {
        (api.release_response)(instance, &mut out);
        assert!(out.plugin_data.is_null() && out.header_count == 0);
        (api.release_response)(instance, &mut out);
        (api.release_response)(instance, ptr::null_mut());
    }
    Ok(response)
}

/// Drives one plugin instance through create, init, handle, serve, close and destroy with `input`:
/// `serve` (ABI 1.1) must answer as `handle` (1.0) does, or refuse a header HTTP/1.1 cannot send.
pub fn check_boundary(input: &[u8]) {
    let (request, config) = parse(input);
    let known = RP_OK..=RP_TOO_LARGE;
    // SAFETY: the descriptor is static; every call below follows the lifecycle the ABI documents,
    // with views that outlive the calls and the host table above, which outlives the instance.
    unsafe {
        let api = &*rp_http_plugin_get_descriptor();
        let mut instance: *mut rp_http_plugin = ptr::null_mut();
        assert_eq!((api.create)(&HOST, &mut instance), RP_OK);
        let status = (api.init)(instance, view(&config));
        assert!(known.contains(&status), "init: {status}");
        if status == RP_OK {
            let mut answer = Response::default();
            let status = (api.handle)(
                instance,
                (&raw const request).cast(),
                (&raw mut answer).cast(),
            );
            assert!(known.contains(&status), "handle: {status}");
            let encoded = request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(b"x-echo-encoding"));
            if status == RP_OK && request.failing == 0 && !encoded {
                assert_eq!(answer.body.as_deref(), Some(&request.body[..]), "the echo");
            }
            let served = serve(api, instance, &request);
            match (&served, status, request.failing) {
                (Ok(served), RP_OK, 0) => {
                    answer.status = 200; // the 1.0 host's default, which the plugin left alone
                    assert_eq!(*served, answer, "serve answers as handle");
                }
                (Err(refused), RP_OK, 0) => {
                    assert_eq!(*refused, RP_INVALID_ARGUMENT, "{request:?}")
                }
                (Err(refused), _, _) => assert!(known.contains(refused), "serve: {refused}"),
                (Ok(_), _, _) => {}
            }
            assert_eq!((api.close)(instance), RP_OK);
        }
        (api.destroy)(instance);
    }
}
