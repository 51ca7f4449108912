// Creates allow-ACLs through Kafka's Admin API for deploy/local/kafka.py (the broker jars ship
// no ACL command-line tool). Run from source by JDK 17+:
//   java -cp '.local/kafka/lib/*' deploy/local/KafkaAcls.java BOOTSTRAP ADMIN_USER < input
// input: the admin password on the first line, then one ACL per line as
//   principal|resourceType|patternType|name|operation   e.g. User:applicant|TOPIC|LITERAL|applications|WRITE
// Creating an ACL that already exists changes nothing, so running it again is safe.

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaAcls {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String password = in.readLine();
        List<AclBinding> acls = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\|");
            ResourcePattern resource = new ResourcePattern(
                ResourceType.fromString(f[1]), f[3], PatternType.fromString(f[2]));
            acls.add(new AclBinding(resource, new AccessControlEntry(
                f[0], "*", AclOperation.fromString(f[4]), AclPermissionType.ALLOW)));
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-256");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule"
            + " required username=\"" + args[1] + "\" password=\"" + password + "\";");
        props.put("request.timeout.ms", "30000");
        props.put("default.api.timeout.ms", "120000");
        try (Admin admin = Admin.create(props)) {
            admin.createAcls(acls).all().get();
        }
        System.out.println("created " + acls.size() + " ACL bindings");
    }
}
