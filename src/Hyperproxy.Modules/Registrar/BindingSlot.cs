namespace Hyperproxy.Modules.Registrar;

/// <summary>One binding of the record save() is rebuilding: a stored one (copied or updated) or a new one.</summary>
internal struct BindingSlot
{
    /// <summary>Index among the stored record's contacts, -1 for a binding added by this REGISTER.</summary>
    public int Stored;

    /// <summary>Index of the request contact that writes this binding, -1 to copy the stored one.</summary>
    public int Request;

    public short Q;

    public bool Deleted;
}
