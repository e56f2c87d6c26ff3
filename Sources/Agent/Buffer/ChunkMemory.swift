@_spi(CustomByteBufferAllocator) import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Where chunk payloads live: each in its own anonymous mapping, outside malloc's arenas.
///
/// Why: with malloc, chunks of a few MB land in the per-thread arenas once glibc raises its mmap threshold after the
/// first free; a chunk freed in one arena cannot hold the next chunk allocated from another, so the heap grew to about
/// twice the buffer (peak RSS 118–131 MB under a 64 MB `total_limit_size`). A mapping is returned to the kernel when the
/// chunk is purged, and its pages become resident only as the chunk is written, so a chunk reserved at
/// `chunk_limit_size` costs what it holds (docs/agent-parameters.md, "Memory").
enum ChunkMemory {
    /// Allocates chunk storage in mappings (small or failed mappings fall back to malloc).
    static let allocator = ByteBufferAllocator(
        allocate: { size in ChunkMemory.allocate(size) },
        reallocate: { pointer, oldSize, newSize in ChunkMemory.reallocate(pointer, oldSize: oldSize, newSize: newSize) },
        deallocate: { pointer in ChunkMemory.deallocate(pointer) },
        copy: { destination, source, count in destination.copyMemory(from: source, byteCount: count) })

    /// An empty buffer whose storage can grow to `capacity` without reallocating.
    static func buffer(capacity: Int) -> ByteBuffer { allocator.buffer(capacity: capacity) }

    private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Below this a mapping's extra header page costs more than malloc's fragmentation.
    private static let mappingThreshold = 64 * 1024

    /// The 16 bytes just before every pointer handed out: the length of what was mapped or malloc'ed, and which.
    private struct Header {
        var length: Int
        var mapped: Bool
    }

    private static func header(of pointer: UnsafeMutableRawPointer) -> UnsafeMutablePointer<Header> {
        (pointer - 16).bindMemory(to: Header.self, capacity: 1)
    }

    private static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        if size >= mappingThreshold {
            // One page in front holds the header, so the payload starts page-aligned.
            let length = (size + page + page - 1) / page * page
            let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let base, base != MAP_FAILED {
                let pointer = base + page
                header(of: pointer).initialize(to: Header(length: length, mapped: true))
                return pointer
            }
        }
        guard let raw = malloc(size + 16) else { return nil }
        let pointer = raw + 16
        header(of: pointer).initialize(to: Header(length: size + 16, mapped: false))
        return pointer
    }

    private static func reallocate(_ pointer: UnsafeMutableRawPointer?, oldSize: Int, newSize: Int) -> UnsafeMutableRawPointer? {
        guard let pointer else { return allocate(newSize) }
        // Chunks are reserved at chunk_limit_size, so growing is rare (a chunk limit above the reservation cap): copy.
        guard let fresh = allocate(newSize) else { return nil }
        fresh.copyMemory(from: pointer, byteCount: min(oldSize, newSize))
        deallocate(pointer)
        return fresh
    }

    private static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        let h = header(of: pointer).pointee
        if h.mapped {
            munmap(pointer - page, h.length)
        } else {
            free(pointer - 16)
        }
    }
}
