//! The C ABI called from Rust: answers on the demo data, and a status (never a crash) for every
//! kind of bad input.

use std::ffi::CStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;
use std::sync::mpsc;
use std::time::Duration;

use rustplugin::error::*;
use rustplugin::ffi::*;

const EINSTEIN_ID: &str = "4c510ada-c86b-4815-8820-42cdf82c3d51";

fn s(text: &str) -> rp_str {
    rp_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

fn b(bytes: &[u8]) -> rp_str {
    rp_str {
        ptr: bytes.as_ptr().cast(),
        len: bytes.len(),
    }
}

/// The text of a view returned by the library.
fn text(view: rp_str) -> &'static str {
    // SAFETY: views from the library are valid UTF-8 for the manager's life; tests keep managers alive.
    unsafe { std::str::from_utf8(std::slice::from_raw_parts(view.ptr.cast(), view.len)).unwrap() }
}

fn last_error() -> String {
    // SAFETY: never NULL, NUL-terminated.
    unsafe { CStr::from_ptr(rp_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// Owns a manager for one test.
struct Manager(*mut rp_user_manager);

impl Manager {
    fn demo() -> Manager {
        let mut m = ptr::null_mut();
        // SAFETY: `m` is a valid out-param.
        assert_eq!(unsafe { rp_user_manager_new_demo(&mut m) }, RP_OK);
        Manager(m)
    }

    fn get_user(&self, id: rp_str, idp: rp_str) -> Result<&rp_user, Status> {
        let mut user = ptr::null();
        // SAFETY: live manager, readable views, valid out-param.
        match unsafe { rp_user_manager_get_user(self.0, id, idp, &mut user) } {
            // SAFETY: on RP_OK the library wrote a view that lives as long as the manager.
            RP_OK => Ok(unsafe { &*user }),
            status => {
                assert!(user.is_null(), "out-param untouched on failure");
                Err(status)
            }
        }
    }

    fn claim(&self, claim: rp_str, value: rp_str) -> Result<&rp_user, Status> {
        let mut user = ptr::null();
        // SAFETY: as in get_user.
        match unsafe { rp_user_manager_get_user_by_claim(self.0, claim, value, &mut user) } {
            // SAFETY: as in get_user.
            RP_OK => Ok(unsafe { &*user }),
            status => Err(status),
        }
    }

    fn find(&self, query: rp_str, capacity: usize) -> (Status, usize, Vec<String>) {
        let mut users = vec![ptr::null(); capacity];
        let mut count = usize::MAX;
        // SAFETY: `users` holds `capacity` writable slots.
        let status = unsafe {
            rp_user_manager_find_users(self.0, query, users.as_mut_ptr(), capacity, &mut count)
        };
        let names = users
            .iter()
            .filter(|u| !u.is_null())
            // SAFETY: non-NULL entries were written by the library.
            .map(|&u| text(unsafe { &*u }.username).to_owned())
            .collect();
        (status, count, names)
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        // SAFETY: created by rp_user_manager_new_*, freed once.
        unsafe { rp_user_manager_free(self.0) };
    }
}

/// Every answer is an element of `rp_user_manager_users`, at its index in file order.
#[test]
fn answers_index_the_user_array() {
    let m = Manager::demo();
    // SAFETY: live manager; the array has rp_user_manager_user_count elements.
    let users = unsafe {
        std::slice::from_raw_parts(rp_user_manager_users(m.0), rp_user_manager_user_count(m.0))
    };
    let names: Vec<&str> = users.iter().map(|u| text(u.username)).collect();
    assert_eq!(names, ["einstein", "marie", "richard", "test"]);
    for (index, name) in names.iter().enumerate() {
        let user = m.get_user(s(name), s("")).unwrap();
        assert!(ptr::eq(user, &users[index]), "{name} is users[{index}]");
        let user = m.claim(s("username"), s(name)).unwrap();
        assert!(ptr::eq(user, &users[index]), "{name} is users[{index}]");
    }
}

#[test]
fn demo_answers() {
    let m = Manager::demo();
    // SAFETY: live manager.
    assert_eq!(unsafe { rp_user_manager_user_count(m.0) }, 4);
    let einstein = m.get_user(s(EINSTEIN_ID), s("cernbox.cern.ch")).unwrap();
    assert_eq!(text(einstein.username), "einstein");
    assert_eq!(text(einstein.display_name), "Albert Einstein");
    assert_eq!((text(einstein.uid), text(einstein.gid)), ("123", "987"));
    let by_mail = m.claim(s("mail"), s("einstein@cern.ch")).unwrap();
    assert!(ptr::eq(by_mail, einstein), "views are shared, not copied");

    let mut groups = rp_str_list {
        ptr: ptr::null(),
        len: 0,
    };
    // SAFETY: live manager, valid out-param.
    let status = unsafe { rp_user_manager_get_user_groups(m.0, s("einstein"), s(""), &mut groups) };
    assert_eq!(status, RP_OK);
    // SAFETY: the list lives as long as the manager.
    let groups = unsafe { std::slice::from_raw_parts(groups.ptr, groups.len) };
    let groups: Vec<&str> = groups.iter().map(|&g| text(g)).collect();
    assert_eq!(
        groups,
        ["sailing-lovers", "violin-haters", "physics-lovers"]
    );

    assert_eq!(
        m.find(s("einstein"), 4),
        (RP_OK, 1, vec!["einstein".to_owned()])
    );
    assert_eq!(m.find(s("example"), 4).2, ["richard", "test"]);
    assert_eq!(m.find(s("nobody"), 4), (RP_OK, 0, vec![]));
}

#[test]
fn not_found_and_unknown_claim() {
    let m = Manager::demo();
    assert_eq!(
        m.get_user(s(EINSTEIN_ID), s("cesnet.cz")).unwrap_err(),
        RP_NOT_FOUND
    );
    assert!(last_error().contains("\"cesnet.cz\""), "{}", last_error());
    assert_eq!(m.claim(s("phone"), s("123")).unwrap_err(), RP_UNKNOWN_CLAIM);
    assert!(last_error().contains("\"phone\""), "{}", last_error());
    assert_eq!(m.claim(s("uid"), s("999")).unwrap_err(), RP_NOT_FOUND);
}

#[test]
fn null_pointers_are_invalid_arguments() {
    let m = Manager::demo();
    let mut user = ptr::null();
    // SAFETY: NULL manager is a documented input.
    let status = unsafe { rp_user_manager_get_user(ptr::null(), s("einstein"), s(""), &mut user) };
    assert_eq!(status, RP_INVALID_ARGUMENT);
    assert!(last_error().contains("`manager` is NULL"));
    // SAFETY: NULL out-param is a documented input.
    let status = unsafe { rp_user_manager_get_user(m.0, s("einstein"), s(""), ptr::null_mut()) };
    assert_eq!(status, RP_INVALID_ARGUMENT);
    let dangling_len = rp_str {
        ptr: ptr::null(),
        len: 3,
    };
    assert_eq!(
        m.get_user(dangling_len, s("")).unwrap_err(),
        RP_INVALID_ARGUMENT
    );
    let empty = rp_str {
        ptr: ptr::null(),
        len: 0,
    };
    assert_eq!(m.get_user(empty, empty).unwrap_err(), RP_NOT_FOUND);
    // SAFETY: NULL out-param and NULL manager are documented inputs.
    unsafe {
        assert_eq!(
            rp_user_manager_new_demo(ptr::null_mut()),
            RP_INVALID_ARGUMENT
        );
        assert_eq!(rp_user_manager_user_count(ptr::null()), 0);
        assert!(rp_user_manager_users(ptr::null()).is_null());
        rp_user_manager_free(ptr::null_mut());
        let mut count = 0;
        let status = rp_user_manager_find_users(m.0, s("a"), ptr::null_mut(), 2, &mut count);
        assert_eq!(status, RP_INVALID_ARGUMENT);
        let status = rp_user_manager_find_users(m.0, s("a"), ptr::null_mut(), 0, ptr::null_mut());
        assert_eq!(status, RP_INVALID_ARGUMENT);
    }
}

#[test]
fn invalid_utf8_is_reported_per_argument() {
    let m = Manager::demo();
    assert_eq!(
        m.get_user(b(b"ein\xffstein"), s("")).unwrap_err(),
        RP_INVALID_UTF8
    );
    assert!(
        last_error().contains("`opaque_id`") && last_error().contains("offset 3"),
        "{}",
        last_error()
    );
    assert_eq!(
        m.get_user(s("einstein"), b(b"\xc3")).unwrap_err(),
        RP_INVALID_UTF8
    );
    assert_eq!(
        m.claim(b(b"\xffmail"), s("x")).unwrap_err(),
        RP_INVALID_UTF8
    );
    assert_eq!(m.claim(s("mail"), b(b"\xff")).unwrap_err(), RP_INVALID_UTF8);
    assert!(last_error().contains("`value`"));
    assert_eq!(m.find(b(b"\xfe"), 4).0, RP_INVALID_UTF8);
}

#[test]
fn buffer_too_small_gives_the_count_and_the_first_matches() {
    let m = Manager::demo();
    let (status, count, names) = m.find(s(""), 2);
    assert_eq!((status, count), (RP_BUFFER_TOO_SMALL, 4));
    assert_eq!(names, ["einstein", "marie"]);
    assert!(last_error().contains("4 entries needed"));
    let mut count = 0;
    // SAFETY: capacity 0 with NULL is the documented count query.
    let status =
        unsafe { rp_user_manager_find_users(m.0, s("example"), ptr::null_mut(), 0, &mut count) };
    assert_eq!((status, count), (RP_BUFFER_TOO_SMALL, 2));
}

#[test]
fn long_and_empty_strings() {
    let m = Manager::demo();
    let long = "x".repeat(1 << 20);
    assert_eq!(m.get_user(s(&long), s("")).unwrap_err(), RP_NOT_FOUND);
    assert!(last_error().len() < 512);
    assert_eq!(m.find(s(&long), 4), (RP_OK, 0, vec![]));
    assert_eq!(m.claim(s("mail"), s("")).unwrap_err(), RP_NOT_FOUND);
}

/// Loads `path` with `limit` (or the default) on another thread, which must answer within 10 s
/// (a FIFO without a writer would block a plain open forever): the status and the message.
fn load_with_deadline(path: &Path, limit: Option<u64>) -> (Status, String) {
    let path = path.as_os_str().as_bytes().to_vec();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut m = ptr::null_mut();
        // SAFETY: a readable path view and a valid out-param.
        let status = unsafe {
            match limit {
                None => rp_user_manager_new_from_file(b(&path), &mut m),
                Some(limit) => rp_user_manager_new_from_file_limited(b(&path), limit, &mut m),
            }
        };
        // SAFETY: NULL or a manager just created; freed once.
        unsafe { rp_user_manager_free(m) };
        let _ = sender.send((status, last_error()));
    });
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("loading a file answers within 10 s")
}

#[test]
fn special_and_oversized_files_are_refused_before_they_are_read() {
    let dir = std::env::temp_dir().join(format!("rp-special-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("users.fifo");
    let c_fifo = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    for (path, kind) in [
        (fifo.as_path(), "a FIFO"),
        (Path::new("/dev/zero"), "a device"),
        (Path::new("/dev/urandom"), "a device"),
        (dir.as_path(), "a directory"),
    ] {
        let (status, message) = load_with_deadline(path, None);
        assert_eq!(status, RP_NOT_A_FILE, "{}: {message}", path.display());
        assert!(message.contains(&format!("it is {kind}")), "{message}");
    }

    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo-users.json");
    let size = std::fs::metadata(&demo).unwrap().len();
    assert_eq!(load_with_deadline(&demo, Some(size)).0, RP_OK);
    let (status, message) = load_with_deadline(&demo, Some(size - 1));
    assert_eq!(status, RP_TOO_LARGE, "{message}");
    assert!(
        message.contains(&format!(
            "{size} bytes or more, over the limit of {}",
            size - 1
        )),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn messages_quote_a_bounded_prefix_of_huge_arguments() {
    let m = Manager::demo();
    let huge = "k".repeat(16 << 20);
    let cut = format!("\"{}\"... ({} bytes)", "k".repeat(64), 16 << 20);
    assert_eq!(m.get_user(s(&huge), s("")).unwrap_err(), RP_NOT_FOUND);
    assert!(last_error().contains(&cut), "{}", last_error());
    assert_eq!(m.claim(s("mail"), s(&huge)).unwrap_err(), RP_NOT_FOUND);
    assert!(last_error().contains(&cut), "{}", last_error());
    assert_eq!(m.claim(s(&huge), s("x")).unwrap_err(), RP_UNKNOWN_CLAIM);
    assert!(last_error().contains(&cut), "{}", last_error());
}

#[test]
fn bad_files_and_json() {
    let mut m = ptr::null_mut();
    // SAFETY: valid views and out-param throughout.
    unsafe {
        assert_eq!(
            rp_user_manager_new_from_file(s("/nonexistent/users.json"), &mut m),
            RP_IO
        );
        assert!(last_error().contains("/nonexistent/users.json"));
        assert_eq!(rp_user_manager_new_from_file(s("/"), &mut m), RP_NOT_A_FILE);
        assert_eq!(
            rp_user_manager_new_from_json(s("[{\"username\": 1}]"), &mut m),
            RP_PARSE
        );
        assert!(last_error().contains("invalid type"), "{}", last_error());
        assert_eq!(
            rp_user_manager_new_from_json(b(b"[\"\xff\"]"), &mut m),
            RP_PARSE
        );
        assert_eq!(
            rp_user_manager_new_from_json(
                rp_str {
                    ptr: ptr::null(),
                    len: 0
                },
                &mut m
            ),
            RP_PARSE
        );
        assert!(m.is_null(), "out-param untouched on failure");
        let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo-users.json");
        assert_eq!(rp_user_manager_new_from_file(s(demo), &mut m), RP_OK);
        assert_eq!(rp_user_manager_user_count(m), 4);
        rp_user_manager_free(m);
    }
}

#[test]
fn one_manager_serves_many_threads() {
    let m = Manager::demo();
    let shared = m.0 as usize; // raw pointers are not Send; the manager is Sync by contract
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let m = Manager(shared as *mut rp_user_manager);
                for _ in 0..1000 {
                    assert_eq!(
                        text(m.get_user(s("marie"), s("")).unwrap().mail),
                        "marie@cesnet.cz"
                    );
                }
                std::mem::forget(m); // the main thread frees it
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// A batch's keys as a C caller packs them (`rp_str_pack`): the bytes and the ends.
struct Pack {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Pack {
    fn of(keys: &[&[u8]]) -> Pack {
        let mut pack = Pack {
            bytes: Vec::new(),
            ends: Vec::new(),
        };
        for key in keys {
            pack.bytes.extend_from_slice(key);
            pack.ends.push(pack.bytes.len());
        }
        pack
    }

    fn raw(&self) -> rp_str_pack {
        rp_str_pack {
            bytes: self.bytes.as_ptr().cast(),
            ends: self.ends.as_ptr(),
            len: self.ends.len(),
        }
    }
}

impl Manager {
    /// The batch's answers for `keys`, as the users' indexes (None: not found).
    fn get_users(&self, keys: rp_str_pack, idp: rp_str) -> Result<Vec<Option<usize>>, Status> {
        // Garbage in every slot: the library must overwrite each one.
        let mut answers = vec![1 as *const rp_user; keys.len];
        // SAFETY: live manager; `answers` has one slot per key.
        let status = unsafe { rp_user_manager_get_users(self.0, keys, idp, answers.as_mut_ptr()) };
        if status != RP_OK {
            return Err(status);
        }
        // SAFETY: live manager; the table has user_count rows.
        let first = unsafe { rp_user_manager_users(self.0) };
        Ok(answers
            .iter()
            // SAFETY: every answer is a row of the table (asserted by offset_from's contract).
            .map(|&a| (!a.is_null()).then(|| unsafe { a.offset_from(first) } as usize))
            .collect())
    }
}

/// A batch answers each key as GetUser does, in one call; a key not found is NULL.
#[test]
fn a_batch_answers_each_key_as_get_user_does() {
    let m = Manager::demo();
    let keys: [&[u8]; 7] = [
        b"marie",
        EINSTEIN_ID.as_bytes(),
        b"nobody",
        b"",
        b"richard",
        b"einstein",
        "ünïcode".as_bytes(),
    ];
    let answers = m.get_users(Pack::of(&keys).raw(), s("")).unwrap();
    assert_eq!(
        answers,
        [Some(1), Some(0), None, None, Some(2), Some(0), None]
    );
    let cern = m
        .get_users(Pack::of(&keys).raw(), s("cernbox.cern.ch"))
        .unwrap();
    let nowhere = m.get_users(Pack::of(&keys).raw(), s("nowhere")).unwrap();
    for (index, key) in keys.iter().enumerate() {
        let single = m
            .get_user(b(key), s("cernbox.cern.ch"))
            .ok()
            .map(|user| text(user.username));
        let batch = cern[index].map(|i| ["einstein", "marie", "richard", "test"][i]);
        assert_eq!(batch, single, "key {index}");
        assert_eq!(nowhere[index], None);
    }
    assert_eq!(m.get_users(Pack::of(&[]).raw(), s("")).unwrap(), []);
}

#[test]
fn a_malformed_batch_is_refused() {
    let m = Manager::demo();
    let null_ends = rp_str_pack {
        bytes: ptr::null(),
        ends: ptr::null(),
        len: 2,
    };
    assert_eq!(m.get_users(null_ends, s("")), Err(RP_INVALID_ARGUMENT));
    assert!(last_error().contains("`opaque_ids`"), "{}", last_error());

    let mut backwards = Pack::of(&[b"marie", b"richard"]);
    backwards.ends = vec![5, 3];
    assert_eq!(
        m.get_users(backwards.raw(), s("")),
        Err(RP_INVALID_ARGUMENT)
    );
    assert!(
        last_error().contains("end before its start, at string 1"),
        "{}",
        last_error()
    );

    let null_bytes = rp_str_pack {
        bytes: ptr::null(),
        ends: [0, 4].as_ptr(),
        len: 2,
    };
    assert_eq!(m.get_users(null_bytes, s("")), Err(RP_INVALID_ARGUMENT));
    let all_empty = rp_str_pack {
        bytes: ptr::null(),
        ends: [0, 0].as_ptr(),
        len: 2,
    };
    assert_eq!(m.get_users(all_empty, s("")), Ok(vec![None, None]));

    let keys = Pack::of(&[b"marie"]);
    // SAFETY: a NULL answer array with a key is a documented input.
    let status = unsafe { rp_user_manager_get_users(m.0, keys.raw(), s(""), ptr::null_mut()) };
    assert_eq!(status, RP_INVALID_ARGUMENT);
    // SAFETY: a NULL manager is a documented input.
    let status = unsafe {
        rp_user_manager_get_users(ptr::null(), keys.raw(), s(""), [ptr::null()].as_mut_ptr())
    };
    assert_eq!(status, RP_INVALID_ARGUMENT);
}

/// A key that is not UTF-8 fails the batch, unless it matched (it cannot), naming the argument.
#[test]
fn a_batch_with_a_key_that_is_not_utf8_fails() {
    let m = Manager::demo();
    let keys = Pack::of(&[b"marie", b"ein\xffstein"]);
    assert_eq!(m.get_users(keys.raw(), s("")), Err(RP_INVALID_UTF8));
    assert!(last_error().contains("`opaque_ids`"), "{}", last_error());
    let keys = Pack::of(&[b"marie"]);
    assert_eq!(m.get_users(keys.raw(), b(b"\xc3")), Err(RP_INVALID_UTF8));
}
