using Hyperproxy.Sip;
using Hyperproxy.Sip.Edits;

namespace Hyperproxy.Script.Runtime;

/// <summary>
/// A check every received message passes before the script (OpenSIPS's pre-script callbacks; pike's automatic mode):
/// requests, replies and messages that did not parse. Called on the worker, on the hot path.
/// </summary>
public interface IMessageGate
{
    /// <summary>
    /// True to go on; false drops the message silently (counted by the host). <paramref name="parsed"/> is false for a
    /// message that did not parse or validate (<paramref name="message"/> must not be read then).
    /// </summary>
    bool Admit(ScriptContext context, SipMessage message, SipEdits edits, in NetAddress source, int socket, bool parsed);
}
