//! String views across the C ABI, and the checks every export makes on its arguments.
//!
//! The small functions are `#[inline]`: they run on every call of another crate's exports, and
//! without LTO a non-generic function is not inlined across crates (measured: GetUser took 260
//! instructions instead of 224 when they were not).

#![allow(non_camel_case_types)] // C names, as the headers spell them.

use std::ffi::c_char;

/// Why an argument was refused; each library maps it into its own error type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// A NULL pointer or an impossible length; the string names the argument and the problem.
    Invalid(String),
    /// A string argument was not UTF-8.
    Utf8 {
        argument: &'static str,
        valid_up_to: usize,
    },
}

/// A string view: `len` bytes at `ptr`, not necessarily NUL-terminated.
///
/// As an input, `ptr` may be NULL when `len` is 0 (the empty string); the library reads the bytes
/// only during the call. As an output, `ptr` is never NULL, and the bytes are valid UTF-8 that
/// live as long as the object that returned them. Print one with
/// `printf("%.*s", RP_STR_PRINTF(s))`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_str {
    pub ptr: *const c_char,
    pub len: usize,
}

/// A borrowed array of `len` string views at `ptr` (never NULL, even when `len` is 0). It lives
/// as long as the object that returned it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_str_list {
    pub ptr: *const rp_str,
    pub len: usize,
}

/// A list of `len` input strings packed back to back (Apache Arrow's layout for a string column):
/// string `i` is the bytes of `bytes` from `ends[i - 1]` (0 for the first) up to `ends[i]`, so
/// `ends` never decreases and `ends[len - 1]` is the length of `bytes`. `ends` may be NULL when
/// `len` is 0, and `bytes` when every string is empty. The library reads both during the call
/// only.
///
/// Packed, not an array of `rp_str`: a garbage-collected caller (Go through cgo) may hand C two
/// flat buffers of its own, but not an array of pointers into its heap; and the plugin reads one
/// contiguous run of keys.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rp_str_pack {
    pub bytes: *const c_char,
    pub ends: *const usize,
    pub len: usize,
}

/// The strings of an [`rp_str_pack`], checked: every `end` within the bytes and none before the
/// one preceding it. Indexing and iteration cannot fail.
#[derive(Debug, Clone, Copy)]
pub struct StrPack<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl rp_str_pack {
    /// The checked strings of an input pack.
    ///
    /// # Safety
    /// Unless NULL, `ends` must point to `len` readable `size_t`s and `bytes` to `ends[len - 1]`
    /// readable bytes, both unchanged for `'a`.
    #[inline]
    pub unsafe fn strings<'a>(self, argument: &'static str) -> Result<StrPack<'a>, ArgError> {
        if self.len == 0 {
            return Ok(StrPack {
                bytes: &[],
                ends: &[],
            });
        }
        let ends = rp_str {
            ptr: self.ends.cast(),
            len: self.len,
        };
        if ends.ptr.is_null() || self.len > isize::MAX as usize / size_of::<usize>() {
            return Err(invalid(
                argument,
                "has NULL or impossible `ends` for a length of",
                self.len,
            ));
        }
        // SAFETY: non-NULL, aligned for usize and `len` long by the caller's contract; the size is
        // within isize::MAX (checked).
        let ends: &'a [usize] = unsafe { std::slice::from_raw_parts(self.ends, self.len) };
        let mut start = 0;
        for (index, &end) in ends.iter().enumerate() {
            if end < start {
                return Err(invalid(
                    argument,
                    "has an end before its start, at string",
                    index,
                ));
            }
            start = end;
        }
        let bytes = rp_str {
            ptr: self.bytes,
            len: start,
        };
        Ok(StrPack {
            // SAFETY: the caller's contract: `bytes` holds `ends[len - 1]` readable bytes.
            bytes: unsafe { bytes.bytes(argument) }?,
            ends,
        })
    }
}

impl<'a> StrPack<'a> {
    /// The number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The strings in order, as bytes whose UTF-8 is not checked yet.
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let bytes = self.bytes;
        let mut start = 0;
        // Checked at construction: each end is within `bytes` and not before its start.
        self.ends.iter().map(move |&end| {
            let string = &bytes[start..end];
            start = end;
            string
        })
    }
}

impl rp_str {
    /// A view of `s`. The caller must keep `s` alive and unchanged while C holds the view.
    #[inline]
    pub fn borrow(s: &str) -> rp_str {
        rp_str {
            ptr: s.as_ptr().cast(),
            len: s.len(),
        }
    }

    /// The bytes of an input view.
    ///
    /// # Safety
    /// Unless `ptr` is NULL, it must point to `len` readable bytes that stay unchanged for `'a`.
    #[inline]
    pub unsafe fn bytes<'a>(self, argument: &'static str) -> Result<&'a [u8], ArgError> {
        if self.ptr.is_null() {
            return if self.len == 0 {
                Ok(&[])
            } else {
                Err(invalid(argument, "is NULL with a length of", self.len))
            };
        }
        if self.len > isize::MAX as usize {
            return Err(invalid(argument, "has an impossible length of", self.len));
        }
        // SAFETY: non-NULL, length within isize::MAX, and readable for 'a by the caller's contract.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr.cast(), self.len) })
    }

    /// The text of an input view, checked to be UTF-8.
    ///
    /// # Safety
    /// As for [`rp_str::bytes`].
    #[inline]
    pub unsafe fn text<'a>(self, argument: &'static str) -> Result<&'a str, ArgError> {
        // SAFETY: forwarded contract.
        text(unsafe { self.bytes(argument) }?, argument)
    }
}

/// `bytes` as `&str`, or the error that names the argument: [`utf8`] with a fast path for ASCII.
#[inline]
pub fn text<'a>(bytes: &'a [u8], argument: &'static str) -> Result<&'a str, ArgError> {
    if bytes.is_ascii() {
        // SAFETY: ASCII is UTF-8. (The word-at-a-time ASCII check is several times cheaper than
        // from_utf8 on short strings: measured 10 against 103 instructions for "einstein".)
        Ok(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        utf8(bytes, argument)
    }
}

/// `bytes` as `&str`, or the error that names the argument and the offending offset.
#[inline]
pub fn utf8<'a>(bytes: &'a [u8], argument: &'static str) -> Result<&'a str, ArgError> {
    std::str::from_utf8(bytes).map_err(|e| ArgError::Utf8 {
        argument,
        valid_up_to: e.valid_up_to(),
    })
}

/// The out-param `out`, checked for NULL.
///
/// # Safety
/// Unless NULL, `out` must be valid for writes of a `T` for `'a`, and not aliased.
pub unsafe fn out_param<'a, T>(
    out: *mut T,
    argument: &'static str,
) -> Result<&'a mut std::mem::MaybeUninit<T>, ArgError> {
    // SAFETY: MaybeUninit<T> has T's layout and may be uninitialised; validity is the caller's contract.
    unsafe { out.cast::<std::mem::MaybeUninit<T>>().as_mut() }.ok_or_else(|| null(argument))
}

/// The object behind a handle, checked for NULL.
///
/// # Safety
/// Unless NULL, `handle` must point to a live `T` that stays unchanged for `'a`.
#[inline]
pub unsafe fn handle<'a, T>(handle: *const T, argument: &'static str) -> Result<&'a T, ArgError> {
    // SAFETY: the caller's contract.
    unsafe { handle.as_ref() }.ok_or_else(|| null(argument))
}

/// A caller's array of `capacity` entries at `ptr`, to be written: empty when `capacity` is 0
/// (then `ptr` may be NULL, to ask for a count), an error for NULL with a capacity, or a capacity
/// no array can have.
///
/// # Safety
/// Unless NULL, `ptr` must be valid for writes of `capacity` `T`s for `'a`, and not aliased.
#[inline]
pub unsafe fn out_array<'a, T>(
    ptr: *mut T,
    capacity: usize,
    argument: &'static str,
) -> Result<&'a mut [std::mem::MaybeUninit<T>], ArgError> {
    if capacity == 0 {
        Ok(&mut [])
    } else if ptr.is_null() {
        Err(invalid(argument, "is NULL with a capacity of", capacity))
    } else if capacity > isize::MAX as usize / size_of::<T>().max(1) {
        Err(invalid(argument, "has an impossible capacity of", capacity))
    } else {
        // SAFETY: non-NULL, size within isize::MAX, writable for `capacity` entries by contract.
        Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast(), capacity) })
    }
}

/// A caller's array of `len` answers at `ptr`, one per key of a batch, each set to `None` (a NULL
/// pointer in C) for the implementation to fill: a NULL `ptr` is allowed only when `len` is 0.
///
/// # Safety
/// Unless NULL, `ptr` must be valid and aligned for writes of `len` pointers for `'a`, and not
/// aliased.
#[inline]
pub unsafe fn out_answers<'a, 'r, T>(
    ptr: *mut Option<&'r T>,
    len: usize,
    argument: &'static str,
) -> Result<&'a mut [Option<&'r T>], ArgError> {
    let slots = unsafe { out_array(ptr, len, argument) }?;
    for slot in slots.iter_mut() {
        slot.write(None);
    }
    // SAFETY: every slot was just initialised.
    Ok(unsafe {
        &mut *(slots as *mut [std::mem::MaybeUninit<Option<&'r T>>] as *mut [Option<&'r T>])
    })
}

/// A caller's array held `capacity` entries where `needed` were required (`RP_BUFFER_TOO_SMALL`):
/// the first `capacity` were written, and the count out-param says `needed`. Each library maps it
/// into its own error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall {
    pub needed: usize,
    pub capacity: usize,
}

/// Writes a function's string answer to `out`: a view into one of `arguments` when the answer is a
/// part of one (nothing copied; it lives as long as that argument), else a copy into the caller's
/// `buffer`. An answer that fits neither leaves `buffer` alone and writes a NULL view holding the
/// length needed, for the caller to try again with a buffer that large. Never a NULL view for an
/// answer, even an empty one.
#[inline]
pub fn write_answer(
    answer: &str,
    arguments: &[&[u8]],
    buffer: &mut [std::mem::MaybeUninit<u8>],
    out: &mut std::mem::MaybeUninit<rp_str>,
) -> Result<(), BufferTooSmall> {
    let range = answer.as_bytes().as_ptr_range();
    let inside = |argument: &&[u8]| {
        let argument = argument.as_ptr_range();
        argument.start <= range.start && range.end <= argument.end
    };
    if answer.is_empty() || arguments.iter().any(inside) {
        out.write(rp_str::borrow(answer));
        return Ok(());
    }
    let Some(copy) = buffer.get_mut(..answer.len()) else {
        out.write(rp_str {
            ptr: std::ptr::null(),
            len: answer.len(),
        });
        return Err(BufferTooSmall {
            needed: answer.len(),
            capacity: buffer.len(),
        });
    };
    for (slot, byte) in copy.iter_mut().zip(answer.as_bytes()) {
        slot.write(*byte);
    }
    out.write(rp_str {
        ptr: copy.as_ptr().cast(),
        len: answer.len(),
    });
    Ok(())
}

// Error constructors stay out of line: the success path of every call then carries no formatting.

#[cold]
#[inline(never)]
pub fn null(argument: &'static str) -> ArgError {
    ArgError::Invalid(format!("`{argument}` is NULL"))
}

#[cold]
#[inline(never)]
pub fn invalid(argument: &'static str, problem: &str, value: usize) -> ArgError {
    ArgError::Invalid(format!("`{argument}` {problem} {value}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    fn answer(
        text: &str,
        arguments: &[&[u8]],
        capacity: usize,
    ) -> (Result<(), BufferTooSmall>, rp_str, Vec<MaybeUninit<u8>>) {
        let mut buffer = vec![MaybeUninit::new(b'#'); capacity];
        let mut out = MaybeUninit::uninit();
        let result = write_answer(text, arguments, &mut buffer, &mut out);
        // SAFETY: write_answer writes `out` on every path.
        (result, unsafe { out.assume_init() }, buffer)
    }

    #[test]
    fn answers_are_views_into_arguments_or_copies_into_the_buffer() {
        let input = r#"{"a":[1,2]}"#;
        let part = &input[5..10];
        let (result, view, _) = answer(part, &[input.as_bytes(), b"a"], 0);
        assert_eq!(result, Ok(()));
        assert_eq!(
            (view.ptr, view.len),
            (part.as_ptr().cast(), 5),
            "a view, no copy"
        );

        let computed = String::from("[1,2]");
        let (result, view, buffer) = answer(&computed, &[input.as_bytes()], 8);
        assert_eq!(result, Ok(()));
        assert_eq!(
            (view.ptr, view.len),
            (buffer.as_ptr().cast(), 5),
            "a copy into the buffer"
        );
        // SAFETY: the first 5 bytes were written.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(view.ptr.cast::<u8>(), 5) },
            b"[1,2]"
        );

        let (result, view, buffer) = answer(&computed, &[input.as_bytes()], 4);
        assert_eq!(
            result,
            Err(BufferTooSmall {
                needed: 5,
                capacity: 4
            })
        );
        assert!(view.ptr.is_null() && view.len == 5);
        // SAFETY: initialised with '#' and untouched.
        assert!(buffer.iter().all(|b| unsafe { b.assume_init() } == b'#'));

        let (result, view, _) = answer("", &[], 0);
        assert!(result.is_ok() && !view.ptr.is_null() && view.len == 0);
    }
}
