//! Owned strings and string lists laid out as their C views, for the records of generated
//! interfaces: a record built of [`Text`] and [`TextList`] fields has, field for field, the layout
//! of its C struct of [`rp_str`] and [`rp_str_list`] views, so a `&Record` *is* the view C reads
//! (`rp-bindgen` asserts the layouts at compile time). Answers then cost no conversion, and live
//! exactly as long as the Rust value they borrow from.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::ptr::NonNull;

use crate::string::{rp_str, rp_str_list};

/// An immutable, owned UTF-8 string laid out as [`rp_str`]: a pointer (never NULL) and a length.
/// `&Text` is an `rp_str` view valid as long as the `Text`.
#[repr(C)]
pub struct Text {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a Text owns its bytes exclusively (a Box<str>) and never mutates them.
unsafe impl Send for Text {}
// SAFETY: as above: shared access only reads.
unsafe impl Sync for Text {}

impl Text {
    /// The string as a C view, valid as long as `self`.
    #[inline]
    pub fn view(&self) -> rp_str {
        rp_str {
            ptr: self.ptr.as_ptr().cast_const().cast(),
            len: self.len,
        }
    }

    /// The string.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: ptr and len come from a Box<str> this value owns (see From<Box<str>>).
        unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len))
        }
    }
}

impl From<Box<str>> for Text {
    fn from(text: Box<str>) -> Text {
        let len = text.len();
        let raw = Box::into_raw(text);
        // SAFETY: Box::into_raw never returns NULL (an empty box holds a dangling, non-NULL pointer).
        let ptr = unsafe { NonNull::new_unchecked(raw.cast::<u8>()) };
        Text { ptr, len }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text::from(text.into_boxed_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text::from(Box::<str>::from(text))
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len) as *mut str;
        // SAFETY: the pointer came from Box::into_raw in From<Box<str>> and is freed once, here.
        drop(unsafe { Box::from_raw(raw) });
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl Clone for Text {
    fn clone(&self) -> Text {
        Text::from(self.as_str())
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// An immutable, owned list of [`Text`] laid out as [`rp_str_list`]: a pointer (never NULL) to
/// `len` strings laid out as `rp_str`. `&TextList` is an `rp_str_list` view valid as long as the
/// list.
#[repr(C)]
pub struct TextList {
    ptr: NonNull<Text>,
    len: usize,
}

// SAFETY: a TextList owns its Texts exclusively (a Box<[Text]>), which are Send and Sync.
unsafe impl Send for TextList {}
// SAFETY: as above.
unsafe impl Sync for TextList {}

impl TextList {
    /// The list as a C view, valid as long as `self`.
    #[inline]
    pub fn view(&self) -> rp_str_list {
        rp_str_list {
            ptr: self.ptr.as_ptr().cast_const().cast(),
            len: self.len,
        }
    }

    /// The strings.
    #[inline]
    pub fn as_slice(&self) -> &[Text] {
        // SAFETY: ptr and len come from a Box<[Text]> this value owns (see From<Box<[Text]>>).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl From<Box<[Text]>> for TextList {
    fn from(list: Box<[Text]>) -> TextList {
        let len = list.len();
        // SAFETY: Box::into_raw never returns NULL.
        let ptr = unsafe { NonNull::new_unchecked(Box::into_raw(list).cast::<Text>()) };
        TextList { ptr, len }
    }
}

impl<T: Into<Text>> FromIterator<T> for TextList {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> TextList {
        TextList::from(items.into_iter().map(Into::into).collect::<Box<[Text]>>())
    }
}

impl<T: Into<Text>> From<Vec<T>> for TextList {
    fn from(items: Vec<T>) -> TextList {
        items.into_iter().collect()
    }
}

impl Drop for TextList {
    fn drop(&mut self) {
        let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: the pointer came from Box::into_raw in From<Box<[Text]>> and is freed once, here.
        drop(unsafe { Box::from_raw(raw) });
    }
}

impl Default for TextList {
    fn default() -> TextList {
        TextList::from(Box::<[Text]>::default())
    }
}

impl Clone for TextList {
    fn clone(&self) -> TextList {
        TextList::from(Box::<[Text]>::from(self.as_slice()))
    }
}

impl Deref for TextList {
    type Target = [Text];
    #[inline]
    fn deref(&self) -> &[Text] {
        self.as_slice()
    }
}

impl fmt::Debug for TextList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for TextList {
    fn eq(&self, other: &TextList) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for TextList {}

impl<T: AsRef<str>> PartialEq<[T]> for TextList {
    fn eq(&self, other: &[T]) -> bool {
        self.len == other.len()
            && self
                .iter()
                .zip(other)
                .all(|(a, b)| a.as_str() == b.as_ref())
    }
}

impl<T: AsRef<str>, const N: usize> PartialEq<[T; N]> for TextList {
    fn eq(&self, other: &[T; N]) -> bool {
        *self == other[..]
    }
}

impl<T: AsRef<str>> PartialEq<Vec<T>> for TextList {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self == other[..]
    }
}

// The layouts every generated record relies on.
const _: () = {
    assert!(size_of::<Text>() == size_of::<rp_str>());
    assert!(align_of::<Text>() == align_of::<rp_str>());
    assert!(std::mem::offset_of!(Text, ptr) == std::mem::offset_of!(rp_str, ptr));
    assert!(std::mem::offset_of!(Text, len) == std::mem::offset_of!(rp_str, len));
    assert!(size_of::<TextList>() == size_of::<rp_str_list>());
    assert!(align_of::<TextList>() == align_of::<rp_str_list>());
    assert!(std::mem::offset_of!(TextList, ptr) == std::mem::offset_of!(rp_str_list, ptr));
    assert!(std::mem::offset_of!(TextList, len) == std::mem::offset_of!(rp_str_list, len));
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_the_owned_values() {
        let list: TextList = ["admins", "", "physics-lovers"].into_iter().collect();
        let view = list.view();
        assert_eq!(view.len, 3);
        // SAFETY: the view points into `list`, alive here; a Text is laid out as an rp_str.
        let strings = unsafe { std::slice::from_raw_parts(view.ptr, view.len) };
        let read = |s: &rp_str| {
            // SAFETY: as above.
            std::str::from_utf8(unsafe { std::slice::from_raw_parts(s.ptr.cast(), s.len) }).unwrap()
        };
        assert_eq!(
            strings.iter().map(read).collect::<Vec<_>>(),
            ["admins", "", "physics-lovers"]
        );
        assert!(
            strings.iter().all(|s| !s.ptr.is_null()),
            "views are never NULL, empty or not"
        );
        assert!(!TextList::default().view().ptr.is_null());
        let copy = list.clone();
        assert_eq!(copy, list);
        assert_ne!(
            copy[0].view().ptr,
            list[0].view().ptr,
            "a clone owns its bytes"
        );
        assert_eq!(Text::from("é"), "é");
        assert_eq!(format!("{:?}", list), r#"["admins", "", "physics-lovers"]"#);
    }
}
