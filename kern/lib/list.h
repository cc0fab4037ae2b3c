// Intrusive doubly linked lists: the element holds its own ListNode, so linking never
// allocates and an element can unlink itself in O(1).
//
//   struct Proc { ListNode<Proc> all_node; };
//   IntrusiveList<Proc, &Proc::all_node> all_procs;
#pragma once

#include <cstddef>

namespace rk {

template <typename T>
struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
  bool linked() const { return next != nullptr; }
};

template <typename T, ListNode<T> T::*Member>
class IntrusiveList {
 public:
  IntrusiveList() { head_.prev = head_.next = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const { return head_.next == &head_; }
  size_t size() const { return size_; }

  void push_back(T& item) { insert_before(&head_, item); }
  void push_front(T& item) { insert_before(head_.next, item); }
  // Inserts item before pos (pos must be in this list).
  void insert_before(T& pos, T& item) { insert_before(&(pos.*Member), item); }
  void remove(T& item) {
    ListNode<T>& n = item.*Member;
    n.prev->next = n.next;
    n.next->prev = n.prev;
    n.prev = n.next = nullptr;
    --size_;
  }
  T* front() { return empty() ? nullptr : owner(head_.next); }
  T* back() { return empty() ? nullptr : owner(head_.prev); }
  T* pop_front() {
    T* t = front();
    if (t != nullptr) remove(*t);
    return t;
  }
  T* next(T& item) {
    ListNode<T>* n = (item.*Member).next;
    return n == &head_ ? nullptr : owner(n);
  }
  T* prev(T& item) {
    ListNode<T>* n = (item.*Member).prev;
    return n == &head_ ? nullptr : owner(n);
  }

  class Iterator {
   public:
    Iterator(ListNode<T>* n) : n_(n) {}  // NOLINT
    T& operator*() const { return *owner(n_); }
    T* operator->() const { return owner(n_); }
    Iterator& operator++() {
      n_ = n_->next;
      return *this;
    }
    bool operator!=(const Iterator& o) const { return n_ != o.n_; }

   private:
    ListNode<T>* n_;
  };
  // Iteration must not remove the current element; use pop_front or next() for that.
  Iterator begin() { return Iterator(head_.next); }
  Iterator end() { return Iterator(&head_); }

 private:
  static T* owner(ListNode<T>* n) {
    // The node is a member of T at a fixed offset.
    const size_t offset = reinterpret_cast<size_t>(&(static_cast<T*>(nullptr)->*Member));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(n) - offset);
  }
  void insert_before(ListNode<T>* pos, T& item) {
    ListNode<T>& n = item.*Member;
    n.next = pos;
    n.prev = pos->prev;
    pos->prev->next = &n;
    pos->prev = &n;
    ++size_;
  }

  ListNode<T> head_;
  size_t size_ = 0;
};

}  // namespace rk
