using Hyperproxy.Sip;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// An edit whose bytes depend on the socket the message finally leaves from (OpenSIPS's
/// SUBST_SND/SUBST_RCV lumps): Record-Route and Path entries print the outgoing socket's
/// advertised address, and a double entry is only wanted when the receiving and sending sockets
/// differ. A module records one with <see cref="ScriptContext.Defer"/> while the script runs; the
/// server calls <see cref="ScriptContext.CompleteDeferred"/> once it knows the send socket, just
/// before it adds its own Via and writes the message — so the edits land in the order the
/// script made them, above our Via.
/// Implementations are per-worker objects (usually a module's per-message state); completing
/// must not allocate.
/// </summary>
public interface IDeferredEdit
{
    /// <summary>Records the final edits for a message sent from <paramref name="sendSocket"/>.</summary>
    SipError Complete(ScriptContext context, int sendSocket);
}
