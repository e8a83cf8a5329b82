//! The streams to wake when a channel's mark moves, each registered once and kept.
//!
//! A watch channel's receiver registers anew for every wait and unregisters when it wakes, a
//! lock and a list update per delivery for each of a session's watchers. Here an open feed keeps
//! one slot holding its task's waker for as long as it lives; a wait whose task is the same as
//! last time (`Waker::will_wake`, which for a stream polled by its own HTTP/2 task it always
//! is) touches nothing shared, and a mark that moves wakes every slot. Waking a slot's task is a
//! hint to look: each feed compares the mark with its own cursor, so a wake-up it did not need
//! costs one look.

use std::sync::RwLock;
use std::task::Waker;

use slab::Slab;

#[derive(Default)]
pub struct Wakers {
    slots: RwLock<Slab<Waker>>,
}

/// One feed's place in a [`Wakers`]: its key and the waker it holds.
#[derive(Default)]
pub struct Slot(Option<(usize, Waker)>);

impl Wakers {
    /// Makes `slot` wake the task of `waker`. True when this changed what is registered (the
    /// first wait, or a stream now polled by another task): the caller looks at the mark again,
    /// since it may have moved before the registration and woken nobody.
    pub fn register(&self, slot: &mut Slot, waker: &Waker) -> bool {
        match &mut slot.0 {
            Some((_, registered)) if registered.will_wake(waker) => false,
            Some((key, registered)) => {
                registered.clone_from(waker);
                if let Some(held) = self.write().get_mut(*key) {
                    held.clone_from(waker);
                }
                true
            }
            None => {
                let key = self.write().insert(waker.clone());
                slot.0 = Some((key, waker.clone()));
                true
            }
        }
    }

    /// Gives the slot up (the feed is gone).
    pub fn remove(&self, slot: &mut Slot) {
        if let Some((key, _)) = slot.0.take() {
            self.write().try_remove(key);
        }
    }

    /// Wakes every registered task; called after the mark moved.
    pub fn wake_all(&self) {
        let slots = self.slots.read().unwrap_or_else(|e| e.into_inner());
        for (_, waker) in slots.iter() {
            waker.wake_by_ref();
        }
    }

    /// How many feeds are registered (each from its first wait on).
    pub fn len(&self) -> usize {
        self.slots.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slab<Waker>> {
        self.slots.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counting() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn a_slot_is_registered_once_woken_on_every_move_and_gone_when_removed() {
        let wakers = Wakers::default();
        let (count, waker) = counting();
        let mut slot = Slot::default();
        assert!(
            wakers.register(&mut slot, &waker),
            "the first wait registers"
        );
        assert!(
            !wakers.register(&mut slot, &waker),
            "the same task: kept as it is"
        );
        wakers.wake_all();
        wakers.wake_all();
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "kept after waking");
        wakers.remove(&mut slot);
        wakers.wake_all();
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn another_task_replaces_the_registered_one() {
        let wakers = Wakers::default();
        let (first, first_waker) = counting();
        let (second, second_waker) = counting();
        let mut slot = Slot::default();
        wakers.register(&mut slot, &first_waker);
        assert!(wakers.register(&mut slot, &second_waker));
        wakers.wake_all();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }
}
