//! The wasm's allocator: blocks of power-of-two sizes (16 bytes and up), one free list per size,
//! carved from memory the module grows. Written here rather than taken from a crate because it is
//! what the package's size asks: talc, the smallest well-kept allocator measured, was 844 B brotli
//! more of the package's wasm (2.4 KB of code against this one's few hundred bytes), at the same
//! SRP speed (bench/README.md). Allocation and freeing are a few instructions each; a freed block
//! serves the next request of its size and is never split or merged, so memory stays at the most
//! each size ever held at once — a sign-in's strings, records and replies, a few hundred KB.
//!
//! The module runs on one thread (wasm32-unknown-unknown without atomics), and the allocator is
//! never re-entered: it allocates nothing itself.
#![allow(unsafe_code)]

use core::alloc::Layout;

// The heap has no lock: a build with threads (wasm atomics) must not get it.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("the wasm allocator is single-threaded: build without the atomics target feature");

/// The smallest block: 16 bytes (a free block holds the next one's address; 16 is also the
/// largest alignment Rust asks for on wasm32 but for over-aligned types, which are carved apart).
const MIN_SHIFT: u32 = 4;
/// Sizes 2^4 to 2^31.
const CLASSES: usize = 28;
/// A wasm page.
const PAGE: usize = 65536;
/// The alignment every block has.
const BLOCK_ALIGN: usize = 1 << MIN_SHIFT;

/// The free lists and the stretch of grown memory not carved yet.
pub(crate) struct Heap {
    /// The first free block of each size (0: none); each free block holds the next one's address.
    free: [usize; CLASSES],
    next: usize,
    end: usize,
}

/// The size class of a layout: blocks of 2^(class + 4) bytes.
fn class(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(BLOCK_ALIGN);
    (usize::BITS - (size - 1).leading_zeros() - MIN_SHIFT) as usize
}

impl Heap {
    pub(crate) const fn new() -> Heap {
        Heap {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }
    }

    /// A block for `layout`, or null when memory cannot grow. `grow(pages)` adds that many pages
    /// and returns the address of the first, or `None`.
    ///
    /// # Safety
    /// The free lists hold only blocks given back by [`Heap::dealloc`], and `grow` returns memory
    /// no one else uses.
    pub(crate) unsafe fn alloc(
        &mut self,
        layout: Layout,
        grow: impl FnOnce(usize) -> Option<usize>,
    ) -> *mut u8 {
        let class = class(layout);
        if class >= CLASSES {
            return core::ptr::null_mut();
        }
        let head = self.free[class];
        if head != 0 && layout.align() <= BLOCK_ALIGN {
            // SAFETY: a free block of this size holds the address of the next one (the caller's
            // contract).
            self.free[class] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        let size = 1usize << (class as u32 + MIN_SHIFT);
        let align = layout.align().max(BLOCK_ALIGN);
        let fits = |next: usize, end: usize| {
            let start = next.checked_add(align - 1)? & !(align - 1);
            (start.checked_add(size)? <= end).then_some(start)
        };
        let start = match fits(self.next, self.end) {
            Some(start) => start,
            None => {
                let Some(pages) = size.checked_add(align).map(|bytes| bytes.div_ceil(PAGE)) else {
                    return core::ptr::null_mut();
                };
                let Some(base) = grow(pages) else {
                    return core::ptr::null_mut();
                };
                // At the top of a full 4 GiB memory the end does not fit a usize: no block then.
                let Some(end) = pages
                    .checked_mul(PAGE)
                    .and_then(|bytes| base.checked_add(bytes))
                else {
                    return core::ptr::null_mut();
                };
                // The new pages follow the stretch not carved yet when nothing else grew memory
                // in between; else that stretch is left and carving starts over from them.
                if base != self.end {
                    self.next = base;
                }
                self.end = end;
                match fits(self.next, self.end) {
                    Some(start) => start,
                    None => return core::ptr::null_mut(),
                }
            }
        };
        self.next = start + size;
        start as *mut u8
    }

    /// Gives a block back to the free list of its size.
    ///
    /// # Safety
    /// `ptr` came from [`Heap::alloc`] with this `layout` and is not used again.
    pub(crate) unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        let class = class(layout);
        // SAFETY: the block is the caller's to give back, at least 16 bytes and aligned.
        unsafe { *(ptr as *mut usize) = self.free[class] };
        self.free[class] = ptr as usize;
    }

    /// The block resized: the same one while the new size is of the same size class.
    ///
    /// # Safety
    /// As [`Heap::alloc`] and [`Heap::dealloc`]; `new_size`, rounded up to `layout`'s alignment,
    /// does not overflow `isize`.
    pub(crate) unsafe fn realloc(
        &mut self,
        ptr: *mut u8,
        layout: Layout,
        new_size: usize,
        grow: impl FnOnce(usize) -> Option<usize>,
    ) -> *mut u8 {
        // SAFETY: the caller's contract (GlobalAlloc::realloc's).
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class(new) == class(layout) {
            return ptr;
        }
        // SAFETY: the caller's contract.
        let out = unsafe { self.alloc(new, grow) };
        if !out.is_null() {
            // SAFETY: both blocks are live, distinct, and hold at least the bytes copied.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, out, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        out
    }
}

/// The global allocator of the wasm: one [`Heap`], grown with `memory.grow`.
#[cfg(target_arch = "wasm32")]
pub(crate) struct Blocks(core::cell::UnsafeCell<Heap>);

// SAFETY: wasm32-unknown-unknown without the atomics feature is single-threaded.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Blocks {}

#[cfg(target_arch = "wasm32")]
impl Blocks {
    pub(crate) const fn new() -> Blocks {
        Blocks(core::cell::UnsafeCell::new(Heap::new()))
    }
}

/// `memory.grow` by `pages`: the address of the first new page.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> Option<usize> {
    let old = core::arch::wasm32::memory_grow(0, pages);
    (old != usize::MAX).then(|| old.wrapping_mul(PAGE))
}

// SAFETY: the heap is only reached through these methods, one at a time (one thread, and none
// allocates while another runs); memory.grow hands out pages no one else uses.
#[cfg(target_arch = "wasm32")]
unsafe impl core::alloc::GlobalAlloc for Blocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe { (*self.0.get()).alloc(layout, grow) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see the impl; the caller's contract.
        unsafe { (*self.0.get()).dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl; the caller's contract.
        unsafe { (*self.0.get()).realloc(ptr, layout, new_size, grow) }
    }
}

// Natively (proptest is a native dev-dependency): the heap is the same code with another `grow`.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// Memory to grow into: `pages` pages, 64 KiB-aligned, handed out in order.
    struct Arena {
        memory: Vec<u8>,
        base: usize,
        grown: usize,
        pages: usize,
    }

    impl Arena {
        fn new(pages: usize) -> Arena {
            let memory = std::vec![0u8; (pages + 1) * PAGE];
            let base = (memory.as_ptr() as usize).next_multiple_of(PAGE);
            Arena {
                memory,
                base,
                grown: 0,
                pages,
            }
        }

        fn grow(&mut self) -> impl FnOnce(usize) -> Option<usize> + '_ {
            |pages| {
                if self.grown + pages > self.pages {
                    return None;
                }
                let at = self.base + self.grown * PAGE;
                self.grown += pages;
                Some(at)
            }
        }

        fn holds(&self, ptr: usize, size: usize) -> bool {
            let start = self.memory.as_ptr() as usize;
            ptr >= start && ptr + size <= start + self.memory.len()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc(usize, u32),
        Free(usize),
        Realloc(usize, usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let size = prop_oneof![1usize..64, 1usize..5000, 60_000usize..140_000];
        prop_oneof![
            (size.clone(), 0u32..6).prop_map(|(s, a)| Op::Alloc(s, a)),
            any::<usize>().prop_map(Op::Free),
            (any::<usize>(), size).prop_map(|(i, s)| Op::Realloc(i, s)),
        ]
    }

    /// Fills a block with its own tag, so that an overlap with another live block shows.
    fn fill(ptr: *mut u8, size: usize, tag: u8) {
        // SAFETY: a live block of at least `size` bytes.
        unsafe { core::ptr::write_bytes(ptr, tag, size) };
    }

    fn intact(ptr: *mut u8, size: usize, tag: u8) -> bool {
        // SAFETY: a live block of at least `size` bytes.
        unsafe { core::slice::from_raw_parts(ptr, size) }
            .iter()
            .all(|b| *b == tag)
    }

    proptest! {
        /// Any sequence of allocations, frees and resizes: every block is aligned, inside the
        /// grown memory, and keeps its bytes while it is live (no two live blocks overlap); a
        /// resize keeps the bytes it can.
        #[test]
        fn blocks_never_overlap(ops in proptest::collection::vec(op(), 1..200)) {
            let mut arena = Arena::new(64);
            let mut heap = Heap::new();
            let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let tag = (n % 251) as u8 + 1;
                match op {
                    Op::Alloc(size, align_shift) => {
                        let layout = Layout::from_size_align(size, 1 << align_shift).unwrap();
                        // SAFETY: the arena's memory is the heap's alone.
                        let ptr = unsafe { heap.alloc(layout, arena.grow()) };
                        if ptr.is_null() {
                            // Only when the arena cannot give the pages a new block needs.
                            let block = size.max(layout.align()).next_power_of_two().max(BLOCK_ALIGN);
                            let pages = (block + layout.align().max(BLOCK_ALIGN)).div_ceil(PAGE);
                            prop_assert!(arena.grown + pages > arena.pages);
                            continue;
                        }
                        prop_assert_eq!(ptr as usize % layout.align(), 0);
                        prop_assert!(arena.holds(ptr as usize, size));
                        fill(ptr, size, tag);
                        live.push((ptr, layout, tag));
                    }
                    Op::Free(i) if !live.is_empty() => {
                        let (ptr, layout, tag) = live.swap_remove(i % live.len());
                        prop_assert!(intact(ptr, layout.size(), tag));
                        // SAFETY: a live block of this layout, not used again.
                        unsafe { heap.dealloc(ptr, layout) };
                    }
                    Op::Realloc(i, size) if !live.is_empty() => {
                        let i = i % live.len();
                        let (ptr, layout, old_tag) = live[i];
                        prop_assert!(intact(ptr, layout.size(), old_tag));
                        // SAFETY: a live block of this layout; the size is small.
                        let new = unsafe { heap.realloc(ptr, layout, size, arena.grow()) };
                        if new.is_null() {
                            continue;
                        }
                        let kept = layout.size().min(size);
                        prop_assert!(intact(new, kept, old_tag));
                        prop_assert_eq!(new as usize % layout.align(), 0);
                        prop_assert!(arena.holds(new as usize, size));
                        fill(new, size, tag);
                        live[i] = (new, Layout::from_size_align(size, layout.align()).unwrap(), tag);
                    }
                    _ => {}
                }
                for (ptr, layout, tag) in &live {
                    prop_assert!(intact(*ptr, layout.size(), *tag));
                }
            }
        }
    }

    #[test]
    fn a_freed_block_serves_the_next_request_of_its_size() {
        let mut arena = Arena::new(4);
        let mut heap = Heap::new();
        let small = Layout::from_size_align(24, 8).unwrap();
        // SAFETY: the arena's memory is the heap's alone; each block is freed once.
        unsafe {
            let a = heap.alloc(small, arena.grow());
            let b = heap.alloc(small, arena.grow());
            assert_eq!(b as usize - a as usize, 32, "24 bytes take a 32-byte block");
            heap.dealloc(a, small);
            assert_eq!(
                heap.alloc(Layout::from_size_align(17, 1).unwrap(), arena.grow()),
                a
            );
            // Growing within the size class keeps the block; past it, the bytes move.
            assert_eq!(heap.realloc(b, small, 32, arena.grow()), b);
            let moved = heap.realloc(b, small, 33, arena.grow());
            assert_ne!(moved, b);
            assert_eq!(heap.alloc(small, arena.grow()), b);
        }
        assert_eq!(arena.grown, 1);
    }

    #[test]
    fn no_memory_is_a_null_block() {
        let mut arena = Arena::new(2);
        let mut heap = Heap::new();
        // SAFETY: the arena's memory is the heap's alone.
        unsafe {
            assert!(heap
                .alloc(Layout::from_size_align(200_000, 1).unwrap(), arena.grow())
                .is_null());
            assert!(!heap
                .alloc(Layout::from_size_align(1000, 1).unwrap(), arena.grow())
                .is_null());
        }
    }
}
