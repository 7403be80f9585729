using Hyperproxy.Script.Runtime;

namespace Hyperproxy.Modules;

/// <summary>Appends bytes to a fixed span; once something does not fit, <see cref="Length"/> is -1 for good.</summary>
internal ref struct LineWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public LineWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    /// <summary>Bytes written, or -1 after an overflow.</summary>
    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Written => _length < 0 ? default : _buffer[.._length];

    public void Append(scoped ReadOnlySpan<byte> bytes)
    {
        if (_length < 0)
        {
            return;
        }

        if (!bytes.TryCopyTo(_buffer[_length..]))
        {
            _length = -1;
            return;
        }

        _length += bytes.Length;
    }

    /// <summary>Marks the line as failed.</summary>
    public void Fail() => _length = -1;

    public void Append(byte b)
    {
        if (_length < 0)
        {
            return;
        }

        if (_length >= _buffer.Length)
        {
            _length = -1;
            return;
        }

        _buffer[_length++] = b;
    }

    /// <summary>A socket's address as Record-Route/Path print it (see <see cref="ScriptContext.WriteSocketAddress"/>).</summary>
    public void Address(ScriptContext context, int socket, bool sending)
    {
        if (_length < 0)
        {
            return;
        }

        int n = context.WriteSocketAddress(socket, sending, _buffer[_length..]);
        _length = n < 0 ? -1 : _length + n;
    }
}
