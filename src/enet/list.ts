// An intrusive circular doubly-linked list with a sentinel, the structure ENet's queues use
// (list.c). Nodes are linked in place, so insertion, removal and range moves are O(1), which the
// big-transfer paths need (a 64 MiB packet is ~49 000 queued fragments).

export class ListNode {
  // Declared, not initialised as class fields: every node kind (commands, acknowledgements, peers,
  // sentinels) then sets them by plain assignment in this one constructor, one shape per kind.
  declare prev: ListNode;
  declare next: ListNode;
  constructor() {
    this.prev = this;
    this.next = this;
  }
}

export class List<T extends ListNode> {
  readonly sentinel = new ListNode();

  /** The first node, or the sentinel (end()) when the list is empty. */
  begin(): ListNode {
    return this.sentinel.next;
  }

  end(): ListNode {
    return this.sentinel;
  }

  isEmpty(): boolean {
    return this.sentinel.next === this.sentinel;
  }

  front(): T {
    return this.sentinel.next as T;
  }

  clear(): void {
    this.sentinel.next = this.sentinel;
    this.sentinel.prev = this.sentinel;
  }

  size(): number {
    let count = 0;
    for (let node = this.sentinel.next; node !== this.sentinel; node = node.next) count++;
    return count;
  }
}

/** Inserts `node` before `position` (enet_list_insert). */
export function listInsert(position: ListNode, node: ListNode): void {
  const previous = position.prev;
  node.prev = previous;
  node.next = position;
  previous.next = node;
  position.prev = node;
}

/** Unlinks `node` and returns it (enet_list_remove). */
export function listRemove<T extends ListNode>(node: T): T {
  node.prev.next = node.next;
  node.next.prev = node.prev;
  node.prev = node;
  node.next = node;
  return node;
}

/** Moves the inclusive range first..last before `position` (enet_list_move). */
export function listMove(position: ListNode, first: ListNode, last: ListNode): void {
  first.prev.next = last.next;
  last.next.prev = first.prev;
  first.prev = position.prev;
  last.next = position;
  first.prev.next = first;
  position.prev = last;
}
