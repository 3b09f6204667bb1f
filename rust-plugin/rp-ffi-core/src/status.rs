//! Status codes of the C ABI, shared by every library of the project. One list defines the Rust
//! constants, their names for C (`status_name`) and the `#define`s every header carries
//! (`c_defines`), so the three cannot drift apart.

use std::ffi::CStr;
use std::fmt::Write as _;

/// Status codes of the C ABI. `0` is success; every other value names one kind of failure.
///
/// They are plain integers, not a Rust enum, so that a C caller can never hand the library a value
/// outside the enum (which would be undefined behaviour in Rust).
pub type Status = i32;

macro_rules! status_codes {
    ($($doc:literal $name:ident = $value:literal;)*) => {
        $(#[doc = $doc] pub const $name: Status = $value;)*
        /// Every status code: its value, its NUL-terminated name, its documentation.
        const ALL: &[(Status, &str, &str)] = &[$(($value, concat!(stringify!($name), "\0"), $doc)),*];
    };
}

status_codes! {
    "Success." RP_OK = 0;
    "The user (or claim value) asked for does not exist. Not an error of the caller or the library." RP_NOT_FOUND = 1;
    "A required pointer was NULL, a length was impossible, or an argument was otherwise unusable." RP_INVALID_ARGUMENT = 2;
    "A string argument was not valid UTF-8." RP_INVALID_UTF8 = 3;
    "`get_user_by_claim` was given a claim other than `mail`, `username` or `uid`." RP_UNKNOWN_CLAIM = 4;
    "A file could not be read." RP_IO = 5;
    "User data was not valid JSON of the expected shape." RP_PARSE = 6;
    "A caller-supplied buffer was too small; the needed size was written to the count out-param." RP_BUFFER_TOO_SMALL = 7;
    "The library panicked inside the call; the panic was contained and nothing unwound into C." RP_PANIC = 8;
    "A plugin's ABI version or descriptor size does not match what the host was built against. Returned by hosts' loaders, not by the library itself." RP_ABI_MISMATCH = 9;
    "A plugin's own code reported a failure (an HTTP plugin's init, handle or close); the message says why." RP_PLUGIN_FAILED = 10;
    "A file was refused before it was read: it is not a regular file (a FIFO, a device, a directory, a socket)." RP_NOT_A_FILE = 11;
    "An input is over its size limit (a file to load, a plugin to check); nothing of it was used." RP_TOO_LARGE = 12;
    "The plugin's server process died (a crash, or killed for not answering) while the call was in it: what the call did is unknown. The host restarts the server (rp_process.h)." RP_PROCESS_DIED = 13;
    "The call did not finish before its deadline; its slot stays with the server until it answers (rp_process.h)." RP_DEADLINE = 14;
    "No plugin server could take the call before its deadline: it is restarting after a crash, or cannot start; the message says why (rp_process.h)." RP_UNAVAILABLE = 15;
}

/// The name of a status code (`c"RP_NOT_FOUND"`), or `c"RP_UNKNOWN_STATUS"`.
pub fn status_name(status: Status) -> &'static CStr {
    ALL.iter()
        .find(|(value, _, _)| *value == status)
        .and_then(|(_, name, _)| CStr::from_bytes_with_nul(name.as_bytes()).ok())
        .unwrap_or(c"RP_UNKNOWN_STATUS")
}

/// The `#define` of every status code with its documentation, for a generated C header.
pub fn c_defines() -> String {
    let mut text = String::new();
    for (value, name, doc) in ALL {
        let _ = write!(
            text,
            "\n/**\n * {doc}\n */\n#define {} {value}\n",
            name.trim_end_matches('\0')
        );
    }
    text
}

/// A `static inline` C function naming every status code, for a header: hosts that load plugins
/// without linking a library of the project (which exports `rp_status_name`) use it in messages.
pub fn c_status_str_function() -> String {
    let mut text = String::from(
        "\n/** The name of a status code (\"RP_NOT_FOUND\"), or \"RP_UNKNOWN_STATUS\"; static, never NULL. */\n\
         static inline const char *rp_status_str(rp_status status) {\n  switch (status) {\n",
    );
    for (_, name, _) in ALL {
        let name = name.trim_end_matches('\0');
        let _ = writeln!(text, "    case {name}: return \"{name}\";");
    }
    text.push_str("    default: return \"RP_UNKNOWN_STATUS\";\n  }\n}\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_defines_come_from_one_list() {
        assert_eq!(status_name(RP_OK), c"RP_OK");
        assert_eq!(status_name(RP_ABI_MISMATCH), c"RP_ABI_MISMATCH");
        assert_eq!(status_name(-1), c"RP_UNKNOWN_STATUS");
        let defines = c_defines();
        assert!(defines.contains("#define RP_OK 0\n") && defines.contains("#define RP_PANIC 8\n"));
        assert!(defines.contains("#define RP_UNAVAILABLE 15\n"));
        // One define and one case per status, 0 ..= 15 without gaps.
        assert_eq!(defines.matches("#define").count(), 16);
        assert!(ALL
            .iter()
            .enumerate()
            .all(|(i, (value, _, _))| *value == i as Status));
        let function = c_status_str_function();
        assert!(function.contains("    case RP_PANIC: return \"RP_PANIC\";\n"));
        assert_eq!(function.matches("case ").count(), 16);
    }
}
