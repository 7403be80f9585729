using Hyperproxy.Proxy.Transactions;
using Hyperproxy.Sip;

namespace Hyperproxy.Proxy;

/// <summary>
/// t_check_trans's dialog-wise ACK match (OpenSIPS: -2, "the ACK matches an INVITE transaction only dialog-wise": the
/// end-to-end ACK of a 2xx it relayed): INVITE transactions that relayed a 2xx are noted by dialog in a
/// <see cref="DialogIndex"/> (created with the first such 2xx, sized by max_transactions).
/// </summary>
public sealed partial class StatelessProxy
{
    private DialogIndex? _dialogs;

    /// <summary>The 2xx in hand went upstream for INVITE transaction <paramref name="t"/>: note its dialog.</summary>
    private void NoteDialog(Transaction t)
    {
        if (!t.IsInvite || !_message.ToTag.IsPresent)
        {
            return;
        }

        _dialogs ??= new DialogIndex(_tm!.MaxTransactionsPerWorker);
        _dialogs.Add(DialogKey(_message), t, _transactions!);
    }

    /// <summary>An ACK matching an INVITE transaction that relayed a 2xx by Call-ID, CSeq number, From tag and To tag.</summary>
    private bool MatchesDialog(SipMessage ack) =>
        _dialogs is not null && ack.ToTag.IsPresent && _dialogs.Find(DialogKey(ack), _transactions!) is { IsInvite: true, ReplyCode: >= 200 and < 300 };

    private static ulong DialogKey(SipMessage m)
    {
        ulong h = 0xcbf29ce484222325UL ^ ((ulong)TmBranchId.Salt << 7);
        h = Mix(h, m.Span(m.CallId));
        h = Step(h, m.CSeqNumber);
        h = Mix(h, m.Span(m.FromTag));
        h = Mix(h, m.Span(m.ToTag));
        return h == 0 ? 1 : h;
    }
}
