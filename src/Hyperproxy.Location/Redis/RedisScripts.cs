namespace Hyperproxy.Location.Redis;

/// <summary>
/// The one Lua script of the store: a compare-and-set of an AoR's record. The node reads the record (GET),
/// runs the registrar's RFC 3261 §10.3 update on it locally (Call-ID/CSeq ordering, max_contacts, expired
/// bindings dropped) and asks Redis to store the result only if the record is still the one it read; if
/// another node got there first the script answers the record as it now is and the node runs its update
/// again on that (no second GET). Redis runs a script alone, so the check and the write are one step:
/// no update is lost and no contact is duplicated, whichever nodes save the AoR at once.
/// <para>KEYS[1] the AoR's key; ARGV[1] "1" when the record read existed, "0" when it did not; ARGV[2] the
/// record read; ARGV[3] the new record ("" with ARGV[4] = "D": delete the key); ARGV[4] the key's
/// time-to-live in ms (the latest binding's expiry; "0": no expiry, a permanent binding).</para>
/// <para>Answers: integer 1 = stored; integer 0 = the record is gone meanwhile; a string = the record is
/// now that.</para>
/// </summary>
public static class RedisScripts
{
    public const string CompareAndSet = """
        local cur = redis.call('GET', KEYS[1])
        if ARGV[1] == '0' then
          if cur then return cur end
        else
          if not cur then return 0 end
          if cur ~= ARGV[2] then return cur end
        end
        if ARGV[4] == 'D' then
          redis.call('DEL', KEYS[1])
        elseif ARGV[4] == '0' then
          redis.call('SET', KEYS[1], ARGV[3])
        else
          redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
        end
        return 1
        """;
}
